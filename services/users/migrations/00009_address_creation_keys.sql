-- +goose Up

-- address_creation_keys make CreateAddress idempotent: a buyer's key names
-- the address its first call saved, so a client retrying after a lost answer
-- (a phone between networks) does not fill the address book with copies. As
-- in api_client_creation_keys, the key row is written before its address in
-- the same transaction, hence the deferred foreign key; deleting the address
-- takes its key with it.
CREATE TABLE address_creation_keys (
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key         text        NOT NULL,
    fingerprint text        NOT NULL,
    address_id  uuid        NOT NULL REFERENCES addresses (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX address_creation_keys_by_address ON address_creation_keys (address_id);

-- +goose Down
DROP TABLE address_creation_keys;
