-- +goose Up

-- escrows remember how each sub-order was paid: whose money, in which
-- currencies and at which rate, so settlement and refunds convert back at the
-- ORIGINAL rate. The ledger holds the money; a row is written right after
-- the payment's ledger command and a retry of the payment writes it if a
-- crash came in between.
CREATE TABLE escrows (
    sub_order_id      text        PRIMARY KEY,
    order_id          text        NOT NULL,
    buyer_id          text        NOT NULL,
    buyer_currency    text        NOT NULL CHECK (buyer_currency ~ '^[A-Z]{3}$'),
    supplier_org_id   text        NOT NULL,
    supplier_currency text        NOT NULL CHECK (supplier_currency ~ '^[A-Z]{3}$'),
    -- The payment's snapshot (buyer → supplier currency), NULL when no
    -- conversion.
    rate              text,
    rate_source       text        NOT NULL DEFAULT '',
    quote_id          text        NOT NULL DEFAULT '',
    rate_as_of        timestamptz,
    paid_minor        bigint      NOT NULL CHECK (paid_minor > 0),
    escrowed_minor    bigint      NOT NULL CHECK (escrowed_minor > 0),
    -- held → settled; a settlement short of funds leaves it held with an
    -- open top-up request.
    state             text        NOT NULL CHECK (state IN ('held', 'settled')),
    created_at        timestamptz NOT NULL,
    -- What settlement did (supplier currency, refunded in the buyer's), so
    -- a retried settlement answers the same.
    settled_at          timestamptz,
    settled_goods_minor bigint,
    commission_minor    bigint,
    supplier_net_minor  bigint,
    refunded_minor      bigint
);
CREATE INDEX escrows_order ON escrows (order_id);

-- commission_rates are suppliers' own commission rates; the others pay the
-- platform default (FINANCE_DEFAULT_COMMISSION_BPS).
CREATE TABLE commission_rates (
    supplier_org_id text        PRIMARY KEY,
    bps             bigint      NOT NULL CHECK (bps BETWEEN 0 AND 10000),
    set_by          text        NOT NULL,
    set_at          timestamptz NOT NULL
);

-- topup_requests ask a buyer for what a sub-order's escrow lacks to settle:
-- amount in the supplier's currency, for the goods price given.
CREATE TABLE topup_requests (
    id           uuid        PRIMARY KEY,
    sub_order_id text        NOT NULL REFERENCES escrows (sub_order_id),
    goods_minor  bigint      NOT NULL CHECK (goods_minor > 0),
    amount_minor bigint      NOT NULL CHECK (amount_minor > 0),
    state        text        NOT NULL CHECK (state IN ('open', 'paid')),
    created_at   timestamptz NOT NULL,
    paid_at      timestamptz
);
-- At most one open request per sub-order.
CREATE UNIQUE INDEX topup_requests_open ON topup_requests (sub_order_id) WHERE state = 'open';

-- waiting_refunds are claw-backs the supplier's payable could not pay yet.
CREATE TABLE waiting_refunds (
    refund_id    text        PRIMARY KEY,
    sub_order_id text        NOT NULL REFERENCES escrows (sub_order_id),
    amount_minor bigint      NOT NULL CHECK (amount_minor > 0),
    state        text        NOT NULL CHECK (state IN ('waiting', 'done')),
    created_at   timestamptz NOT NULL,
    done_at      timestamptz
);
CREATE INDEX waiting_refunds_waiting ON waiting_refunds (created_at) WHERE state = 'waiting';

-- +goose Down
DROP TABLE waiting_refunds;
DROP TABLE topup_requests;
DROP TABLE commission_rates;
DROP TABLE escrows;
