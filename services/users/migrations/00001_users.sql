-- +goose Up

-- merchant_tiers price merchants' purchases; a higher rank is a better tier.
CREATE TABLE merchant_tiers (
    code       text        PRIMARY KEY CHECK (code ~ '^[a-z0-9-]{2,32}$'),
    name       text        NOT NULL,
    rank       integer     NOT NULL CHECK (rank >= 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT merchant_tiers_rank_key UNIQUE (rank)
);

-- organizations are supplier and merchant companies, reviewed once by an admin.
CREATE TABLE organizations (
    id               uuid        PRIMARY KEY,
    name             text        NOT NULL,
    kind             text        NOT NULL CHECK (kind IN ('supplier', 'merchant')),
    status           text        NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    rejection_reason text        NOT NULL DEFAULT '',
    merchant_tier    text        REFERENCES merchant_tiers (code),
    decided_by       uuid,
    decided_at       timestamptz,
    created_at       timestamptz NOT NULL,
    CHECK (kind = 'merchant' OR merchant_tier IS NULL),
    CHECK ((status = 'pending') = (decided_at IS NULL))
);
CREATE INDEX organizations_by_status ON organizations (status, created_at, id);
CREATE INDEX organizations_by_created ON organizations (created_at, id);

-- users are accounts; e-mails are stored normalised (trimmed, lower-case).
CREATE TABLE users (
    id                uuid        PRIMARY KEY,
    email             text        NOT NULL,
    display_name      text        NOT NULL,
    password_hash     text        NOT NULL,
    roles             text[]      NOT NULL,
    organization_id   uuid        REFERENCES organizations (id),
    organization_role text        CHECK (organization_role IN ('owner', 'staff')),
    created_at        timestamptz NOT NULL,
    CONSTRAINT users_email_key UNIQUE (email),
    CHECK ((organization_id IS NULL) = (organization_role IS NULL))
);
-- One owner per organization.
CREATE UNIQUE INDEX users_one_owner ON users (organization_id) WHERE organization_role = 'owner';
-- Finding whether any admin exists (bootstrap) must not scan every account.
CREATE INDEX users_admins ON users (id) WHERE 'admin' = ANY (roles);

-- addresses: a user's saved postal addresses.
CREATE TABLE addresses (
    id           uuid             PRIMARY KEY,
    user_id      uuid             NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    recipient    text             NOT NULL,
    phone        text             NOT NULL,
    country_code text             NOT NULL,
    region_code  text             NOT NULL DEFAULT '',
    city         text             NOT NULL,
    postcode     text             NOT NULL DEFAULT '',
    lines        text[]           NOT NULL,
    latitude     double precision,
    longitude    double precision,
    is_default   boolean          NOT NULL DEFAULT false,
    created_at   timestamptz      NOT NULL,
    updated_at   timestamptz      NOT NULL,
    CHECK ((latitude IS NULL) = (longitude IS NULL))
);
CREATE INDEX addresses_by_user ON addresses (user_id, created_at);
-- At most one default address per user, whatever the application does.
CREATE UNIQUE INDEX addresses_one_default ON addresses (user_id) WHERE is_default;

-- signing_keys sign access tokens (Ed25519). The private key is stored here in
-- the clear: the users database is the key store, so its access and backups
-- are as sensitive as the keys. The newest active key signs; a scheduled
-- rotation publishes the next key before it activates so every verifier knows
-- it in time; older keys stay published until the tokens they signed have
-- expired, then are deleted.
CREATE TABLE signing_keys (
    kid          text        PRIMARY KEY,
    private_key  bytea       NOT NULL CHECK (length(private_key) = 64),
    created_at   timestamptz NOT NULL,
    activates_at timestamptz NOT NULL
);
CREATE INDEX signing_keys_by_activation ON signing_keys (activates_at DESC);

-- refresh_tokens: only the SHA-256 of each opaque token is stored. A family
-- is one login's chain of tokens; reuse of a spent token revokes the family.
CREATE TABLE refresh_tokens (
    token_hash bytea       PRIMARY KEY CHECK (length(token_hash) = 32),
    family_id  uuid        NOT NULL,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    issued_at  timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    revoked_at timestamptz
);
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_by_expiry ON refresh_tokens (expires_at);

-- api_clients are machine credentials. Only keys derived from their secrets
-- are stored; the secret itself is shown once, at creation or rotation.
CREATE TABLE api_clients (
    client_id           text        PRIMARY KEY,
    name                text        NOT NULL,
    kind                text        NOT NULL CHECK (kind IN ('partner', 'erp', 'service')),
    organization_id     uuid        REFERENCES organizations (id),
    disabled            boolean     NOT NULL DEFAULT false,
    key                 bytea       NOT NULL,
    previous_key        bytea,
    previous_expires_at timestamptz,
    created_at          timestamptz NOT NULL,
    CHECK ((kind = 'erp') = (organization_id IS NOT NULL))
);
CREATE INDEX api_clients_by_organization ON api_clients (organization_id) WHERE organization_id IS NOT NULL;

-- +goose Down
DROP TABLE api_clients;
DROP TABLE refresh_tokens;
DROP TABLE signing_keys;
DROP TABLE addresses;
DROP TABLE users;
DROP TABLE organizations;
DROP TABLE merchant_tiers;
