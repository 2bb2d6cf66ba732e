-- Nonces of accepted signed requests, shared by every replica that verifies
-- them, so a request replayed to another replica is refused too. Rows are
-- needed only until expires_at; the store deletes older ones as it goes.
-- IF NOT EXISTS lets a service both copy this file into its own migrations
-- and run auth.MigrateNonces without conflict.

-- +goose Up
CREATE TABLE IF NOT EXISTS request_nonces (
    client_id  text        NOT NULL,
    nonce      text        NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (client_id, nonce)
);
CREATE INDEX IF NOT EXISTS request_nonces_expires_at_idx ON request_nonces (expires_at);

-- +goose Down
DROP TABLE IF EXISTS request_nonces;
