-- +goose Up

-- Supply platforms docked as suppliers. Account ids are plain; every secret
-- (the ERP API client's key and each account's API key) is in one value
-- sealed under the key ring with the platform id as associated data.
-- One platform per supplier organization: a paid sub-order's supplier names
-- the platform that fulfils it.
CREATE TABLE supply_platforms (
    platform_id        uuid PRIMARY KEY,
    code               text NOT NULL UNIQUE,
    name               text NOT NULL,
    endpoint           text NOT NULL,
    supplier_org_id    uuid NOT NULL UNIQUE,
    erp_client_id      text NOT NULL,
    defaults           jsonb NOT NULL,
    default_account_id text NOT NULL,
    -- {merchant org id: account id}
    merchant_accounts  jsonb NOT NULL DEFAULT '{}',
    secrets_kid        text NOT NULL,
    secrets_sealed     bytea NOT NULL,
    created_at         timestamptz NOT NULL
);

-- Each platform's import cursor, last runs and last error, for operators;
-- quiet_until keeps every job off a platform that asked us to wait.
CREATE TABLE supply_state (
    platform_id        uuid PRIMARY KEY REFERENCES supply_platforms,
    import_watermark   timestamptz,
    last_import_at     timestamptz,
    last_stock_sync_at timestamptz,
    last_error         text NOT NULL DEFAULT '',
    last_error_at      timestamptz,
    quiet_until        timestamptz
);

-- A platform product and the catalogue product it became: its fingerprint
-- says whether a later version changed anything the catalogue holds.
-- submitted: in review, listed once approved; listed: on sale (updates go
-- through review while it stays live); skipped: not importable as it is.
CREATE TABLE supply_products (
    platform_id         uuid NOT NULL REFERENCES supply_platforms,
    platform_product_id text NOT NULL,
    product_id          uuid,
    fingerprint         text NOT NULL,
    state               text NOT NULL CHECK (state IN ('submitted', 'listed', 'skipped')),
    problem             text NOT NULL DEFAULT '',
    updated_at          timestamptz NOT NULL,
    PRIMARY KEY (platform_id, platform_product_id)
);

CREATE INDEX supply_products_submitted ON supply_products (platform_id) WHERE state = 'submitted';

-- The catalogue SKUs of imported products with the platform's codes, which
-- are also the supplier's codes in the catalogue and in inventory.
CREATE TABLE supply_skus (
    platform_id uuid NOT NULL REFERENCES supply_platforms,
    sku_id      uuid NOT NULL,
    sku_code    text NOT NULL,
    product_id  uuid NOT NULL,
    PRIMARY KEY (platform_id, sku_id),
    UNIQUE (platform_id, sku_code)
);

-- Our sub-orders to place with a supply platform, queued from
-- orders.order.paid in the inbox's transaction; the sub-order id is the
-- reference the platform is idempotent on. account_id is fixed at the first
-- attempt so every retry goes to the same account.
CREATE TABLE supply_orders (
    sub_order_id      uuid PRIMARY KEY,
    platform_id       uuid NOT NULL REFERENCES supply_platforms,
    order_id          uuid NOT NULL,
    merchant_org_id   uuid,
    -- [{"sku_id", "quantity"}] as paid
    lines             jsonb NOT NULL,
    account_id        text NOT NULL DEFAULT '',
    state             text NOT NULL CHECK (state IN ('queued', 'placed', 'shipped', 'held')),
    platform_order_id text NOT NULL DEFAULT '',
    platform_status   text NOT NULL DEFAULT '',
    carrier_code      text NOT NULL DEFAULT '',
    waybill           text NOT NULL DEFAULT '',
    attempts          integer NOT NULL DEFAULT 0,
    due_at            timestamptz NOT NULL,
    problem           text NOT NULL DEFAULT '',
    queued_at         timestamptz NOT NULL,
    placed_at         timestamptz,
    updated_at        timestamptz NOT NULL
);

CREATE INDEX supply_orders_due ON supply_orders (due_at) WHERE state IN ('queued', 'placed');
CREATE INDEX supply_orders_platform ON supply_orders (platform_id, queued_at DESC);

-- +goose Down
DROP TABLE supply_orders;
DROP TABLE supply_skus;
DROP TABLE supply_products;
DROP TABLE supply_state;
DROP TABLE supply_platforms;
