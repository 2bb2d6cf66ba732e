-- +goose Up

-- Partners and ERPs sign requests with Ed25519 and only their public keys are
-- stored, so nothing in this database (or a backup, or a verifier's cache) can
-- sign a request. Service accounts keep a hash of their secret, which is a
-- verifier, not a key. A stored HMAC key cannot be turned into a public key;
-- no production data existed when this changed, so the partner and ERP
-- clients made before it are deleted and must be created again.
DELETE FROM api_clients WHERE kind IN ('partner', 'erp');
ALTER TABLE api_clients RENAME COLUMN key TO secret_hash;
ALTER TABLE api_clients RENAME COLUMN previous_key TO previous_secret_hash;
ALTER TABLE api_clients
    ALTER COLUMN secret_hash DROP NOT NULL,
    ADD CONSTRAINT api_clients_secret_hash_length CHECK (length(secret_hash) = 32),
    ADD CONSTRAINT api_clients_previous_secret_hash_length CHECK (length(previous_secret_hash) = 32),
    ADD COLUMN public_key bytea CONSTRAINT api_clients_public_key_length CHECK (length(public_key) = 32),
    ADD COLUMN previous_public_key bytea CONSTRAINT api_clients_previous_public_key_length CHECK (length(previous_public_key) = 32),
    ADD CONSTRAINT api_clients_one_credential CHECK (CASE WHEN kind = 'service'
        THEN secret_hash IS NOT NULL AND public_key IS NULL AND previous_public_key IS NULL
        ELSE public_key IS NOT NULL AND secret_hash IS NULL AND previous_secret_hash IS NULL END);

-- +goose Down
DELETE FROM api_clients WHERE kind IN ('partner', 'erp');
ALTER TABLE api_clients
    DROP CONSTRAINT api_clients_one_credential,
    DROP CONSTRAINT api_clients_secret_hash_length,
    DROP CONSTRAINT api_clients_previous_secret_hash_length,
    DROP COLUMN public_key,
    DROP COLUMN previous_public_key,
    ALTER COLUMN secret_hash SET NOT NULL;
ALTER TABLE api_clients RENAME COLUMN secret_hash TO key;
ALTER TABLE api_clients RENAME COLUMN previous_secret_hash TO previous_key;
