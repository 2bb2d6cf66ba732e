-- +goose Up

-- Partner platforms. Credentials (a REST marketplace's app key and secret) are
-- sealed with AES-256-GCM under DOCKING_SECRETS_KEY, the partner id as associated
-- data, so a database copy holds them only sealed and a sealed value moved to
-- another row does not open. credentials_kid names the key that sealed them.
CREATE TABLE partners (
    partner_id             uuid PRIMARY KEY,
    code                   text NOT NULL UNIQUE,
    name                   text NOT NULL,
    protocol               text NOT NULL CHECK (protocol IN ('standard_grpc', 'rest_marketplace')),
    endpoint               text NOT NULL,
    -- The users API client the partner signs with; one partner per client.
    api_client_id          text,
    locales                text[] NOT NULL,
    quality_check_required boolean NOT NULL DEFAULT false,
    commission_bps         int NOT NULL CHECK (commission_bps BETWEEN 0 AND 10000),
    fee_currency           text NOT NULL DEFAULT '',
    fee_fixed_minor        bigint NOT NULL DEFAULT 0 CHECK (fee_fixed_minor >= 0),
    credentials_kid        text,
    credentials_sealed     bytea,
    status                 text NOT NULL CHECK (status IN ('unverified', 'verified', 'suspended')),
    verified_at            timestamptz,
    created_at             timestamptz NOT NULL,
    updated_at             timestamptz NOT NULL,
    version                bigint NOT NULL DEFAULT 0,
    CHECK ((credentials_kid IS NULL) = (credentials_sealed IS NULL)),
    CHECK (status <> 'verified' OR verified_at IS NOT NULL)
);

CREATE UNIQUE INDEX partners_api_client_id_key ON partners (api_client_id) WHERE api_client_id IS NOT NULL;

-- +goose Down
DROP TABLE partners;
