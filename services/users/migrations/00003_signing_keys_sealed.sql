-- +goose Up

-- Access-token signing keys are sealed at rest (AES-256-GCM) under a
-- key-encryption key from SIGNING_KEY_ENCRYPTION_KEY; kek_id names the key
-- that sealed each row, so the key-encryption key can rotate. Rows stored in
-- clear before this change (kek_id NULL, 64 bytes) are sealed by the service
-- at its next start, before it signs anything; every row it writes is sealed
-- (12-byte nonce, 64-byte key, 16-byte tag).
ALTER TABLE signing_keys RENAME COLUMN private_key TO private_key_sealed;
ALTER TABLE signing_keys
    DROP CONSTRAINT signing_keys_private_key_check,
    ADD COLUMN kek_id text,
    ADD CONSTRAINT signing_keys_sealed CHECK (CASE WHEN kek_id IS NULL
        THEN length(private_key_sealed) = 64
        ELSE length(private_key_sealed) = 92 END);

-- +goose Down
-- Sealed keys cannot be opened here: they are deleted, and the service
-- creates new ones at start (signed-in users sign in again).
DELETE FROM signing_keys WHERE kek_id IS NOT NULL;
ALTER TABLE signing_keys
    DROP CONSTRAINT signing_keys_sealed,
    DROP COLUMN kek_id;
ALTER TABLE signing_keys RENAME COLUMN private_key_sealed TO private_key;
ALTER TABLE signing_keys ADD CONSTRAINT signing_keys_private_key_check CHECK (length(private_key) = 64);
