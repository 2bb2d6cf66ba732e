-- +goose Up

-- An order: one buyer's checkout, paid together. The saga's state is the
-- order's and its sub-orders' status plus the tasks below; a crash at any
-- point resumes from them.
CREATE TABLE orders (
    id                  uuid PRIMARY KEY,
    buyer_id            text NOT NULL,
    -- The client's checkout id (own store) or the partner's order id.
    checkout_id         text NOT NULL,
    channel             text NOT NULL DEFAULT 'own_store',
    external_order_id   text NOT NULL DEFAULT '',
    status              text NOT NULL,
    currency            text NOT NULL,
    total_minor         bigint NOT NULL CHECK (total_minor >= 0),
    payment_due_at      timestamptz,
    -- Set when a payment was asked of finance: the deadline then checks
    -- with finance before cancelling.
    payment_started_at  timestamptz,
    placed_at           timestamptz NOT NULL,
    paid_at             timestamptz,
    cancel_reason       text NOT NULL DEFAULT '',
    updated_at          timestamptz NOT NULL,
    -- Quote ids by supplier currency, as finance's PayCheckout takes them.
    quotes              jsonb NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX orders_checkout ON orders (channel, buyer_id, checkout_id) WHERE channel = 'own_store';
CREATE UNIQUE INDEX orders_external ON orders (channel, external_order_id) WHERE channel <> 'own_store';
CREATE INDEX orders_buyer ON orders (buyer_id, placed_at DESC, id DESC);

CREATE TABLE sub_orders (
    id                  uuid PRIMARY KEY,
    order_id            uuid NOT NULL REFERENCES orders,
    position            int NOT NULL,
    supplier_id         uuid NOT NULL,
    type                text NOT NULL CHECK (type IN ('physical', 'virtual')),
    status              text NOT NULL,
    currency            text NOT NULL,
    goods_minor         bigint NOT NULL CHECK (goods_minor >= 0),
    freight_minor       bigint NOT NULL CHECK (freight_minor >= 0),
    -- What the buyer pays for it, in the order's currency.
    buyer_minor         bigint NOT NULL CHECK (buyer_minor >= 0),
    rate                text NOT NULL DEFAULT '',
    freight_breakdown   jsonb,
    address             jsonb,
    weight_g            bigint NOT NULL DEFAULT 0,
    volume_cm3          bigint NOT NULL DEFAULT 0,
    shipment_id         uuid,
    waybill             text NOT NULL DEFAULT '',
    carrier_code        text NOT NULL DEFAULT '',
    method_id           text NOT NULL DEFAULT '',
    top_up_request_id   text NOT NULL DEFAULT '',
    top_up_minor        bigint NOT NULL DEFAULT 0,
    paid_at             timestamptz,
    shipped_at          timestamptz,
    delivered_at        timestamptz,
    completes_at        timestamptz,
    completed_at        timestamptz,
    updated_at          timestamptz NOT NULL,
    UNIQUE (order_id, position)
);
CREATE INDEX sub_orders_supplier ON sub_orders (supplier_id, paid_at DESC, id DESC) WHERE paid_at IS NOT NULL;

CREATE TABLE sub_order_lines (
    sub_order_id      uuid NOT NULL REFERENCES sub_orders,
    position          int NOT NULL,
    sku_id            uuid NOT NULL,
    product_id        uuid NOT NULL,
    quantity          int NOT NULL CHECK (quantity BETWEEN 1 AND 9999),
    unit_price_minor  bigint NOT NULL CHECK (unit_price_minor >= 0),
    PRIMARY KEY (sub_order_id, position)
);

-- The change log: appended, never changed.
CREATE TABLE order_changes (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id      uuid NOT NULL REFERENCES orders,
    sub_order_id  uuid,
    from_status   text NOT NULL,
    to_status     text NOT NULL,
    actor_kind    text NOT NULL,
    actor_id      text NOT NULL,
    reason        text NOT NULL,
    at            timestamptz NOT NULL
);
CREATE INDEX order_changes_order ON order_changes (order_id, id);

-- The saga's steps and timers: one row per thing still to do (the payment
-- deadline, releasing stock, a refund, settling a delivered sub-order, ...),
-- written in the transaction that made it necessary and claimed by any
-- replica with FOR UPDATE SKIP LOCKED when due. Done, it is deleted; failed,
-- it is due again later.
CREATE TABLE saga_tasks (
    kind        text NOT NULL,
    subject     uuid NOT NULL,
    order_id    uuid NOT NULL,
    due_at      timestamptz NOT NULL,
    attempts    int NOT NULL DEFAULT 0,
    -- Bumped by every claim and every reschedule: a runner finishes or
    -- retries only the version it claimed.
    version     bigint NOT NULL DEFAULT 0,
    last_error  text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (kind, subject)
);
CREATE INDEX saga_tasks_due ON saga_tasks (due_at);

-- +goose Down
DROP TABLE saga_tasks;
DROP TABLE order_changes;
DROP TABLE sub_order_lines;
DROP TABLE sub_orders;
DROP TABLE orders;
