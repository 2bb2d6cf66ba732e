-- +goose Up

-- A coupon campaign: the terms every coupon issued from it carries. Amounts
-- are minor units of the campaign's currency.
CREATE TABLE coupon_campaigns (
    id                   uuid PRIMARY KEY,
    name                 text NOT NULL,
    kind                 text NOT NULL CHECK (kind IN ('fixed_amount', 'percentage')),
    currency             text NOT NULL,
    amount_minor         bigint NOT NULL DEFAULT 0 CHECK (amount_minor >= 0),
    percent_bps          int NOT NULL DEFAULT 0 CHECK (percent_bps BETWEEN 0 AND 10000),
    -- A percentage campaign's cap; NULL for none.
    cap_minor            bigint CHECK (cap_minor > 0),
    minimum_spend_minor  bigint NOT NULL DEFAULT 0 CHECK (minimum_spend_minor >= 0),
    valid_from           timestamptz NOT NULL,
    valid_until          timestamptz NOT NULL CHECK (valid_until > valid_from),
    -- Empty for every category or supplier.
    category_ids         uuid[] NOT NULL DEFAULT '{}',
    supplier_ids         uuid[] NOT NULL DEFAULT '{}',
    funded_by            text NOT NULL CHECK (funded_by IN ('platform', 'supplier')),
    channel              text NOT NULL CHECK (channel IN ('own_store', 'merchant', 'any')),
    created_by           text NOT NULL,
    created_at           timestamptz NOT NULL,
    CHECK (funded_by = 'platform' OR cardinality(supplier_ids) = 1)
);
CREATE INDEX coupon_campaigns_created ON coupon_campaigns (created_at DESC, id DESC);

-- An IssueCoupons command under the client's id: a retry finds it and
-- issues nothing new. The fingerprint (campaign and holders) tells a retry
-- from another command reusing the id.
CREATE TABLE coupon_issuances (
    id           text PRIMARY KEY,
    campaign_id  uuid NOT NULL REFERENCES coupon_campaigns,
    fingerprint  bytea NOT NULL,
    issued_by    text NOT NULL,
    issued_at    timestamptz NOT NULL
);

-- A coupon: redeemed at most once, by one order, through one conditional
-- UPDATE; a cancelled order gives it back (available again, order cleared).
CREATE TABLE coupons (
    id           uuid PRIMARY KEY,
    campaign_id  uuid NOT NULL REFERENCES coupon_campaigns,
    issuance_id  text NOT NULL REFERENCES coupon_issuances,
    -- The holder's place in the issuance's list.
    position     int NOT NULL,
    holder_kind  text NOT NULL CHECK (holder_kind IN ('user', 'organization')),
    holder_id    uuid NOT NULL,
    status       text NOT NULL CHECK (status IN ('available', 'redeemed')),
    order_id     uuid,
    redeemed_at  timestamptz,
    issued_at    timestamptz NOT NULL,
    UNIQUE (issuance_id, position),
    CHECK ((status = 'redeemed') = (order_id IS NOT NULL) AND (order_id IS NULL) = (redeemed_at IS NULL))
);
CREATE INDEX coupons_holder ON coupons (holder_kind, holder_id, issued_at DESC, id DESC);
CREATE INDEX coupons_order ON coupons (order_id) WHERE order_id IS NOT NULL;

-- +goose Down
DROP TABLE coupons;
DROP TABLE coupon_issuances;
DROP TABLE coupon_campaigns;
