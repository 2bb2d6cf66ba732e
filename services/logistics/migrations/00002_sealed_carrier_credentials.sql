-- +goose Up

-- Carriers' credentials (each environment's API key and webhook secret) are
-- sealed at rest with AES-256-GCM under LOGISTICS_SECRETS_KEY, the carrier's
-- id as associated data, so a copy of the database (a backup, a replica, a
-- dump) does not hold them in clear and a sealed value copied to another
-- carrier does not open. credentials_kid names the key that sealed them;
-- endpoints keeps each environment's URL only. Rows written before this
-- migration hold their credentials in endpoints until the service seals
-- them at its next start (credentials_kid is NULL until then).
ALTER TABLE carriers
    ADD COLUMN credentials_kid    text,
    ADD COLUMN credentials_sealed bytea,
    ADD CONSTRAINT carriers_credentials_sealed CHECK ((credentials_kid IS NULL) = (credentials_sealed IS NULL));

-- +goose Down
-- The sealed credentials are dropped with their columns: enter them again
-- (UpdateCarrier) after going back.
ALTER TABLE carriers
    DROP CONSTRAINT carriers_credentials_sealed,
    DROP COLUMN credentials_sealed,
    DROP COLUMN credentials_kid;
