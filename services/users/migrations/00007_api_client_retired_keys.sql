-- +goose Up

-- A rotation retires the client's key for an overlap. Every retired key is
-- kept until its own overlap ends, not only the last one: when a rotation's
-- answer is lost and the caller rotates again, the key the client still holds
-- is the older one. As in api_clients, a service account's keys are secret
-- hashes and a partner's or ERP's are public keys, and the schema checks it
-- (the kind comes with the client through the foreign key).
ALTER TABLE api_clients ADD CONSTRAINT api_clients_id_kind_key UNIQUE (client_id, kind);
CREATE TABLE api_client_retired_keys (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id   text        NOT NULL,
    kind        text        NOT NULL,
    secret_hash bytea       CONSTRAINT api_client_retired_keys_secret_hash_length CHECK (length(secret_hash) = 32),
    public_key  bytea       CONSTRAINT api_client_retired_keys_public_key_length CHECK (length(public_key) = 32),
    expires_at  timestamptz NOT NULL,
    FOREIGN KEY (client_id, kind) REFERENCES api_clients (client_id, kind) ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT api_client_retired_keys_one_credential CHECK (CASE WHEN kind = 'service'
        THEN secret_hash IS NOT NULL AND public_key IS NULL
        ELSE public_key IS NOT NULL AND secret_hash IS NULL END)
);
CREATE INDEX api_client_retired_keys_by_client ON api_client_retired_keys (client_id, id);

INSERT INTO api_client_retired_keys (client_id, kind, secret_hash, public_key, expires_at)
SELECT client_id, kind, previous_secret_hash, previous_public_key, previous_expires_at
FROM api_clients
WHERE previous_expires_at IS NOT NULL AND (previous_secret_hash IS NOT NULL OR previous_public_key IS NOT NULL);

ALTER TABLE api_clients
    DROP CONSTRAINT api_clients_one_credential,
    DROP COLUMN previous_secret_hash,
    DROP COLUMN previous_public_key,
    DROP COLUMN previous_expires_at,
    ADD CONSTRAINT api_clients_one_credential CHECK (CASE WHEN kind = 'service'
        THEN secret_hash IS NOT NULL AND public_key IS NULL
        ELSE public_key IS NOT NULL AND secret_hash IS NULL END);

-- +goose Down
ALTER TABLE api_clients
    DROP CONSTRAINT api_clients_one_credential,
    ADD COLUMN previous_secret_hash bytea CONSTRAINT api_clients_previous_secret_hash_length CHECK (length(previous_secret_hash) = 32),
    ADD COLUMN previous_public_key bytea CONSTRAINT api_clients_previous_public_key_length CHECK (length(previous_public_key) = 32),
    ADD COLUMN previous_expires_at timestamptz;
-- Only the newest retired key fits the old columns; older ones stop working.
UPDATE api_clients c SET previous_secret_hash = k.secret_hash, previous_public_key = k.public_key,
    previous_expires_at = k.expires_at
FROM (SELECT DISTINCT ON (client_id) client_id, secret_hash, public_key, expires_at
      FROM api_client_retired_keys ORDER BY client_id, id DESC) k
WHERE k.client_id = c.client_id;
ALTER TABLE api_clients
    ADD CONSTRAINT api_clients_one_credential CHECK (CASE WHEN kind = 'service'
        THEN secret_hash IS NOT NULL AND public_key IS NULL AND previous_public_key IS NULL
        ELSE public_key IS NOT NULL AND secret_hash IS NULL AND previous_secret_hash IS NULL END);
DROP TABLE api_client_retired_keys;
ALTER TABLE api_clients DROP CONSTRAINT api_clients_id_kind_key;
