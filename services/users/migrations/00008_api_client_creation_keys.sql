-- +goose Up

-- api_client_creation_keys make CreateApiClient idempotent: the caller's key
-- names the client its first call created, so a retry after a lost answer
-- creates no second client. The key row is written before its client in the
-- same transaction (a retry racing the first call waits on it), hence the
-- deferred foreign key. fingerprint is a hash of the request: the key with
-- another request is refused.
CREATE TABLE api_client_creation_keys (
    subject     text        NOT NULL,
    key         text        NOT NULL,
    fingerprint text        NOT NULL,
    client_id   text        NOT NULL REFERENCES api_clients (client_id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (subject, key)
);
CREATE INDEX api_client_creation_keys_by_client ON api_client_creation_keys (client_id);

-- +goose Down
DROP TABLE api_client_creation_keys;
