-- +goose Up

-- product_creation_keys make CreateProduct idempotent: a supplier's key names
-- the product its first call created, so a retry after a lost answer gets that
-- product back rather than a refusal over its own SKU codes. fingerprint is a
-- hash of the request: the key with another request is refused. The key row is
-- written before its product in the same transaction (a retry racing the first
-- call waits on it), hence the deferred foreign key; a product purged from the
-- bin takes its key with it.
CREATE TABLE product_creation_keys (
    supplier_id uuid        NOT NULL,
    key         text        NOT NULL,
    fingerprint text        NOT NULL,
    product_id  uuid        NOT NULL REFERENCES products (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (supplier_id, key)
);
CREATE INDEX product_creation_keys_by_product ON product_creation_keys (product_id);

-- +goose Down
DROP TABLE product_creation_keys;
