-- +goose Up

-- The sales figures: a read model kept by the orders-sales consumer from the
-- service's own events (orders.order.paid, orders.sub_order.cancelled,
-- orders.return.refunded), each applied in the inbox's transaction. One row
-- per UTC day, SKU, channel and currency; product and supplier ride along so
-- a query groups and filters without asking the catalog. Net is gross minus
-- refunds, computed when read.
CREATE TABLE sales_daily (
    day             date NOT NULL,
    sku_id          uuid NOT NULL,
    channel         text NOT NULL,
    currency        text NOT NULL,
    product_id      uuid NOT NULL,
    supplier_id     uuid NOT NULL,
    units_sold      bigint NOT NULL DEFAULT 0,
    units_refunded  bigint NOT NULL DEFAULT 0,
    gross_minor     bigint NOT NULL DEFAULT 0,
    refunds_minor   bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (day, sku_id, channel, currency)
);
CREATE INDEX sales_daily_supplier ON sales_daily (supplier_id, day);
CREATE INDEX sales_daily_sku ON sales_daily (sku_id, day);

-- The paid sub-orders the figures counted, with their lines: a cancellation
-- refunds what a paid sub-order still holds (an unpaid one never counted),
-- and is applied once (cancelled_at).
CREATE TABLE sales_sub_orders (
    sub_order_id  uuid PRIMARY KEY,
    order_id      uuid NOT NULL,
    supplier_id   uuid NOT NULL,
    channel       text NOT NULL,
    paid_at       timestamptz NOT NULL,
    cancelled_at  timestamptz
);

CREATE TABLE sales_sub_order_lines (
    sub_order_id    uuid NOT NULL REFERENCES sales_sub_orders,
    sku_id          uuid NOT NULL,
    product_id      uuid NOT NULL,
    currency        text NOT NULL,
    quantity        bigint NOT NULL CHECK (quantity > 0),
    gross_minor     bigint NOT NULL CHECK (gross_minor >= 0),
    -- What returns refunded of the line so far.
    units_refunded  bigint NOT NULL DEFAULT 0,
    refunds_minor   bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (sub_order_id, sku_id)
);

-- The returns the figures counted, each once.
CREATE TABLE sales_returns (
    return_id     text PRIMARY KEY,
    sub_order_id  uuid NOT NULL,
    refunded_at   timestamptz NOT NULL
);

-- +goose Down
DROP TABLE sales_returns;
DROP TABLE sales_sub_order_lines;
DROP TABLE sales_sub_orders;
DROP TABLE sales_daily;
