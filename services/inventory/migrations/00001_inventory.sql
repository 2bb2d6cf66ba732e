-- +goose Up

-- products: whether a catalog product's SKUs may be reserved (not while the
-- product is in the catalog's bin). state_at is the time of the catalog event
-- that set it, so an older event delivered late cannot undo a newer one.
CREATE TABLE products (
    id          uuid        PRIMARY KEY,
    supplier_id uuid        NOT NULL,
    deleted     boolean     NOT NULL DEFAULT false,
    state_at    timestamptz NOT NULL
);

-- skus: the SKU directory, from catalog.sku.created: the owning supplier and
-- the supplier's own code, by which ERP sync addresses SKUs.
CREATE TABLE skus (
    id          uuid        PRIMARY KEY,
    product_id  uuid        NOT NULL REFERENCES products (id),
    supplier_id uuid        NOT NULL,
    sku_code    text        NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE INDEX skus_by_code ON skus (supplier_id, sku_code);
CREATE INDEX skus_by_product ON skus (product_id);

-- warehouses: a supplier's own, or the platform's central consolidation
-- warehouses (no supplier).
CREATE TABLE warehouses (
    id           uuid        PRIMARY KEY,
    name         text        NOT NULL,
    kind         text        NOT NULL CHECK (kind IN ('supplier', 'central')),
    supplier_id  uuid,
    country_code text        NOT NULL,
    region_code  text        NOT NULL DEFAULT '',
    created_by   text        NOT NULL,
    created_at   timestamptz NOT NULL,
    CHECK ((kind = 'supplier') = (supplier_id IS NOT NULL))
);
CREATE INDEX warehouses_by_supplier ON warehouses (supplier_id, created_at, id);

-- stock: one row per SKU per warehouse. reserved is the sum of the lines of
-- active reservations on the row and changes only in the transaction that
-- changes those lines, under this row's lock. The CHECK is the last line of
-- defence against overselling: no commit can leave more reserved than on hand.
CREATE TABLE stock (
    sku_id              uuid        NOT NULL REFERENCES skus (id),
    warehouse_id        uuid        NOT NULL REFERENCES warehouses (id),
    on_hand             bigint      NOT NULL DEFAULT 0,
    reserved            bigint      NOT NULL DEFAULT 0,
    low_stock_threshold bigint      NOT NULL DEFAULT 0 CHECK (low_stock_threshold >= 0),
    updated_at          timestamptz NOT NULL,
    PRIMARY KEY (sku_id, warehouse_id),
    CONSTRAINT stock_never_oversold CHECK (reserved >= 0 AND on_hand >= reserved)
);
CREATE INDEX stock_by_warehouse ON stock (warehouse_id, sku_id);

-- reservations: an order's hold on stock, one per order id. requested holds
-- the combined lines as asked for, so a retry can be told from a different
-- request under the same order id.
CREATE TABLE reservations (
    id          uuid        PRIMARY KEY,
    order_id    text        NOT NULL,
    status      text        NOT NULL CHECK (status IN ('active', 'committed', 'released', 'expired')),
    requested   jsonb       NOT NULL,
    expires_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL,
    created_by  text        NOT NULL,
    finished_at timestamptz,
    finished_by text        NOT NULL DEFAULT '',
    reason      text        NOT NULL DEFAULT '',
    CONSTRAINT reservations_order_id_key UNIQUE (order_id),
    CHECK ((status = 'active') = (finished_at IS NULL))
);
CREATE INDEX reservations_due ON reservations (expires_at) WHERE status = 'active';

-- reservation_lines: what a reservation holds per SKU and warehouse.
CREATE TABLE reservation_lines (
    reservation_id uuid   NOT NULL REFERENCES reservations (id),
    sku_id         uuid   NOT NULL,
    warehouse_id   uuid   NOT NULL,
    quantity       bigint NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (reservation_id, sku_id, warehouse_id),
    FOREIGN KEY (sku_id, warehouse_id) REFERENCES stock (sku_id, warehouse_id)
);
CREATE INDEX reservation_lines_by_stock ON reservation_lines (sku_id, warehouse_id);

-- stock_journal: every movement of every stock row with the levels it left.
-- The deltas of a row's entries add up to its levels.
CREATE TABLE stock_journal (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sku_id         uuid        NOT NULL,
    warehouse_id   uuid        NOT NULL,
    kind           text        NOT NULL CHECK (kind IN ('receipt', 'adjustment', 'sync', 'reservation', 'commit', 'release', 'expiry')),
    on_hand_delta  bigint      NOT NULL,
    reserved_delta bigint      NOT NULL,
    on_hand        bigint      NOT NULL,
    reserved       bigint      NOT NULL,
    actor_id       text        NOT NULL,
    reason         text        NOT NULL DEFAULT '',
    reference      text        NOT NULL DEFAULT '',
    at             timestamptz NOT NULL,
    FOREIGN KEY (sku_id, warehouse_id) REFERENCES stock (sku_id, warehouse_id)
);
CREATE INDEX stock_journal_by_sku ON stock_journal (sku_id, id DESC);
CREATE INDEX stock_journal_by_stock ON stock_journal (sku_id, warehouse_id, id DESC);

-- command_keys: idempotency keys of commands (stock adjustments, ERP syncs,
-- purchase order receipts), scoped by what they apply to. fingerprint is a
-- hash of the request, so a reused key with other parameters is refused;
-- result is the stored answer where a repeat returns the first one.
CREATE TABLE command_keys (
    scope       text        NOT NULL,
    key         text        NOT NULL,
    fingerprint text        NOT NULL,
    result      jsonb,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (scope, key)
);

-- purchase_orders: inbound stock expected at a warehouse.
CREATE TABLE purchase_orders (
    id            uuid        PRIMARY KEY,
    warehouse_id  uuid        NOT NULL REFERENCES warehouses (id),
    supplier_id   uuid,
    status        text        NOT NULL CHECK (status IN ('open', 'partially_received', 'received', 'cancelled')),
    reference     text        NOT NULL DEFAULT '',
    created_by    text        NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    cancel_reason text        NOT NULL DEFAULT ''
);
CREATE INDEX purchase_orders_by_supplier ON purchase_orders (supplier_id, id DESC);

CREATE TABLE purchase_order_lines (
    purchase_order_id uuid    NOT NULL REFERENCES purchase_orders (id),
    line_no           integer NOT NULL,
    sku_id            uuid    NOT NULL REFERENCES skus (id),
    ordered           bigint  NOT NULL CHECK (ordered > 0),
    received          bigint  NOT NULL DEFAULT 0 CHECK (received >= 0 AND received <= ordered),
    PRIMARY KEY (purchase_order_id, sku_id)
);

-- +goose Down
DROP TABLE purchase_order_lines;
DROP TABLE purchase_orders;
DROP TABLE command_keys;
DROP TABLE stock_journal;
DROP TABLE reservation_lines;
DROP TABLE reservations;
DROP TABLE stock;
DROP TABLE warehouses;
DROP TABLE skus;
DROP TABLE products;
