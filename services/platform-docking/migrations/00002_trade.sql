-- +goose Up

-- Products to push (or withdraw) on every partner: catalogue and stock events
-- queue a product here in the inbox's transaction; the push worker takes the
-- due ones, and a product queued again while it ran stays queued.
CREATE TABLE push_queue (
    product_id uuid PRIMARY KEY,
    queued_at  timestamptz NOT NULL,
    -- Not before: a partner rate limiting us or unreachable defers the product.
    due_at     timestamptz NOT NULL
);

CREATE INDEX push_queue_due ON push_queue (due_at);

-- One SKU listed on one partner: what was last pushed (fingerprint of content,
-- price and stock), and the listing's state on the partner.
CREATE TABLE listings (
    partner_id         uuid NOT NULL REFERENCES partners,
    sku_id             uuid NOT NULL,
    product_id         uuid NOT NULL,
    supplier_id        uuid NOT NULL,
    marker             text NOT NULL,
    partner_listing_id text NOT NULL DEFAULT '',
    status             text NOT NULL CHECK (status IN ('queued', 'pending', 'live', 'rejected', 'withdrawn')),
    reasons            text[] NOT NULL DEFAULT '{}',
    locale             text NOT NULL,
    currency           text NOT NULL,
    price_minor        bigint NOT NULL,
    stock              bigint NOT NULL,
    fingerprint        bytea,
    pushed_at          timestamptz,
    updated_at         timestamptz NOT NULL,
    last_error         text NOT NULL DEFAULT '',
    PRIMARY KEY (partner_id, sku_id)
);

CREATE INDEX listings_product ON listings (product_id);
CREATE INDEX listings_sku ON listings (sku_id);
CREATE INDEX listings_supplier ON listings (supplier_id, updated_at DESC);
CREATE INDEX listings_pending ON listings (partner_id) WHERE status = 'pending';

-- Each partner's pull cursors: orders updated before watermark are in, and
-- settlement lines booked before settlement_watermark; the last success and the
-- last error of its jobs, for operators.
CREATE TABLE pull_state (
    partner_id              uuid PRIMARY KEY REFERENCES partners,
    watermark               timestamptz NOT NULL,
    last_pull_at            timestamptz,
    settlement_watermark    timestamptz NOT NULL,
    last_settlement_pull_at timestamptz,
    last_error              text NOT NULL DEFAULT '',
    last_error_at           timestamptz,
    -- A partner's Retry-After: no job calls it before this.
    quiet_until             timestamptz
);

-- Orders pulled from partners, kept as received (raw), with what docking did:
-- imported (order_id set), waiting (not paid) or held for an operator. The
-- primary key is what makes one partner order one local order at most.
CREATE TABLE partner_orders (
    partner_id         uuid NOT NULL REFERENCES partners,
    partner_order_id   text NOT NULL,
    state              text NOT NULL CHECK (state IN ('imported', 'waiting', 'held')),
    partner_status     text NOT NULL,
    order_id           uuid,
    problem            text NOT NULL DEFAULT '',
    raw                jsonb NOT NULL,
    partner_updated_at timestamptz NOT NULL,
    first_seen_at      timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    PRIMARY KEY (partner_id, partner_order_id),
    CHECK ((state = 'imported') = (order_id IS NOT NULL))
);

CREATE INDEX partner_orders_recent ON partner_orders (partner_id, first_seen_at DESC);
CREATE INDEX partner_orders_held ON partner_orders (partner_id) WHERE state = 'held';

-- The local sub-orders of an imported partner order: who is paid from its
-- settlement, and which of the partner's items travel in which parcel.
CREATE TABLE partner_sub_orders (
    partner_id       uuid NOT NULL,
    partner_order_id text NOT NULL,
    sub_order_id     uuid NOT NULL UNIQUE,
    supplier_id      uuid NOT NULL,
    currency         text NOT NULL,
    goods_minor      bigint NOT NULL,
    -- The partner's item ids of the sub-order's goods.
    item_ids         text[] NOT NULL,
    PRIMARY KEY (partner_id, partner_order_id, sub_order_id),
    FOREIGN KEY (partner_id, partner_order_id) REFERENCES partner_orders
);

-- Waybills to confirm to partners, one per shipped sub-order: queued by the
-- orders.sub_order.shipped event, confirmed by the waybill worker exactly once
-- (a partner's "already confirmed with this waybill" counts).
CREATE TABLE waybills (
    sub_order_id     uuid PRIMARY KEY,
    partner_code     text NOT NULL,
    partner_order_id text NOT NULL,
    carrier_code     text NOT NULL,
    waybill          text NOT NULL,
    queued_at        timestamptz NOT NULL,
    due_at           timestamptz NOT NULL,
    attempts         int NOT NULL DEFAULT 0,
    confirmed_at     timestamptz,
    -- The partner already had it when we confirmed.
    already          boolean NOT NULL DEFAULT false,
    -- Refused for good (another waybill confirmed for the goods): an operator's.
    held             boolean NOT NULL DEFAULT false,
    last_error       text NOT NULL DEFAULT ''
);

CREATE INDEX waybills_due ON waybills (due_at) WHERE confirmed_at IS NULL AND NOT held;
CREATE INDEX waybills_partner ON waybills (partner_code) WHERE confirmed_at IS NULL;

-- Settlement lines pulled from partners, reconciled against our orders.
CREATE TABLE settlement_lines (
    partner_id           uuid NOT NULL REFERENCES partners,
    line_id              text NOT NULL,
    partner_order_id     text NOT NULL,
    currency             text NOT NULL,
    gross_minor          bigint NOT NULL,
    fees_currency        text NOT NULL,
    fees_minor           bigint NOT NULL,
    settled_at           timestamptz NOT NULL,
    raw                  jsonb NOT NULL,
    state                text NOT NULL CHECK (state IN ('new', 'matched', 'missing', 'mismatch')),
    order_id             uuid,
    expected_currency    text NOT NULL DEFAULT '',
    expected_gross_minor bigint NOT NULL DEFAULT 0,
    expected_fees_minor  bigint NOT NULL DEFAULT 0,
    first_seen_at        timestamptz NOT NULL,
    reconciled_at        timestamptz,
    PRIMARY KEY (partner_id, line_id)
);

CREATE INDEX settlement_lines_open ON settlement_lines (partner_id) WHERE state IN ('new', 'missing');
CREATE INDEX settlement_lines_recent ON settlement_lines (partner_id, settled_at DESC);

-- +goose Down
DROP TABLE settlement_lines;
DROP TABLE waybills;
DROP TABLE partner_sub_orders;
DROP TABLE partner_orders;
DROP TABLE pull_state;
DROP TABLE listings;
DROP TABLE push_queue;
