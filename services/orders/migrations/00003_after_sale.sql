-- +goose Up

-- Merchant orders: bought for a merchant organization from its deposit,
-- idempotent on the checkout id like the own store's.
ALTER TABLE orders ADD COLUMN merchant_org_id uuid;
DROP INDEX orders_checkout;
DROP INDEX orders_external;
CREATE UNIQUE INDEX orders_checkout ON orders (channel, buyer_id, checkout_id) WHERE channel IN ('own_store', 'merchant');
CREATE UNIQUE INDEX orders_external ON orders (channel, external_order_id) WHERE channel NOT IN ('own_store', 'merchant');

-- A coupon's discount on a sub-order, who bears it, and what returns
-- refunded from its escrow before settlement (the goods settle less it).
ALTER TABLE sub_orders
    ADD COLUMN discount_minor      bigint NOT NULL DEFAULT 0 CHECK (discount_minor >= 0),
    ADD COLUMN coupon_id           text NOT NULL DEFAULT '',
    ADD COLUMN discount_funded_by  text NOT NULL DEFAULT '',
    ADD COLUMN refunded_minor      bigint NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0);

-- A buyer's return or exchange request on a delivered sub-order.
CREATE TABLE after_sales (
    id                       uuid PRIMARY KEY,
    sub_order_id             uuid NOT NULL REFERENCES sub_orders,
    order_id                 uuid NOT NULL REFERENCES orders,
    buyer_id                 text NOT NULL,
    supplier_id              uuid NOT NULL,
    kind                     text NOT NULL CHECK (kind IN ('return', 'exchange')),
    status                   text NOT NULL,
    reason                   text NOT NULL,
    photos                   jsonb NOT NULL DEFAULT '[]',
    decision                 text NOT NULL DEFAULT '',
    dispute                  text NOT NULL DEFAULT '',
    currency                 text NOT NULL,
    refund_minor             bigint NOT NULL CHECK (refund_minor >= 0),
    claw_back                boolean NOT NULL DEFAULT false,
    cash_refund_minor        bigint CHECK (cash_refund_minor >= 0),
    received                 boolean NOT NULL DEFAULT false,
    restockable              boolean NOT NULL DEFAULT false,
    warehouse_id             uuid,
    return_shipment_id       uuid,
    return_waybill           text NOT NULL DEFAULT '',
    replacement_shipment_id  uuid,
    replacement_waybill      text NOT NULL DEFAULT '',
    created_at               timestamptz NOT NULL,
    updated_at               timestamptz NOT NULL
);
CREATE INDEX after_sales_sub_order ON after_sales (sub_order_id, created_at);
CREATE INDEX after_sales_buyer ON after_sales (buyer_id, created_at DESC, id DESC);
CREATE INDEX after_sales_supplier ON after_sales (supplier_id, created_at DESC, id DESC);

CREATE TABLE after_sale_lines (
    after_sale_id  uuid NOT NULL REFERENCES after_sales,
    position       int NOT NULL,
    sku_id         uuid NOT NULL,
    product_id     uuid NOT NULL,
    quantity       int NOT NULL CHECK (quantity > 0),
    amount_minor   bigint NOT NULL CHECK (amount_minor >= 0),
    PRIMARY KEY (after_sale_id, position)
);

-- +goose Down
DROP INDEX orders_checkout;
DROP INDEX orders_external;
CREATE UNIQUE INDEX orders_checkout ON orders (channel, buyer_id, checkout_id) WHERE channel = 'own_store';
CREATE UNIQUE INDEX orders_external ON orders (channel, external_order_id) WHERE channel <> 'own_store';
ALTER TABLE orders DROP COLUMN merchant_org_id;
DROP TABLE after_sale_lines;
DROP TABLE after_sales;
ALTER TABLE sub_orders DROP COLUMN discount_minor, DROP COLUMN coupon_id, DROP COLUMN discount_funded_by, DROP COLUMN refunded_minor;
