-- +goose Up

-- top_ups are card payments into a buyer's wallet or a merchant's deposit
-- through the payment provider. The money is in the ledger; a row says where
-- the provider stands. An idempotency key is its creator's: the same key
-- again finds the same row.
CREATE TABLE top_ups (
    id              uuid        PRIMARY KEY,
    purpose         text        NOT NULL CHECK (purpose IN ('wallet', 'deposit')),
    owner_id        text        NOT NULL,
    created_by      text        NOT NULL,
    idempotency_key text        NOT NULL,
    amount          bigint      NOT NULL CHECK (amount > 0),
    currency        text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    state           text        NOT NULL CHECK (state IN ('pending', 'succeeded', 'failed')),
    intent_id       text        NOT NULL DEFAULT '',
    client_secret   text        NOT NULL DEFAULT '',
    confirm_url     text        NOT NULL DEFAULT '',
    failure_code    text        NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    UNIQUE (created_by, idempotency_key)
);

-- payouts send money from a supplier's payable to its bank. state orders the
-- steps (requested → reserved → sent → paid | failed); the payout worker
-- repeats the next step of a row left behind.
CREATE TABLE payouts (
    id                  uuid        PRIMARY KEY,
    organization_id     text        NOT NULL,
    created_by          text        NOT NULL,
    idempotency_key     text        NOT NULL,
    amount              bigint      NOT NULL CHECK (amount > 0),
    currency            text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    destination         text        NOT NULL,
    state               text        NOT NULL CHECK (state IN ('requested', 'reserved', 'sent', 'paid', 'failed')),
    pending_transfer_id text        NOT NULL DEFAULT '',
    provider_payout_id  text        NOT NULL DEFAULT '',
    failure_code        text        NOT NULL DEFAULT '',
    attempts            integer     NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    UNIQUE (organization_id, idempotency_key)
);

-- The organization's payouts, newest first.
CREATE INDEX payouts_by_organization ON payouts (organization_id, created_at DESC, id DESC);
-- What the payout worker picks up.
CREATE INDEX payouts_unfinished ON payouts (updated_at) WHERE state IN ('requested', 'reserved');

-- provider_events remembers every webhook event applied, by the provider's
-- event id: a delivery of an event already here changes nothing. The row is
-- written in the transaction that records the event's effect.
CREATE TABLE provider_events (
    id          text        PRIMARY KEY,
    type        text        NOT NULL,
    reference   text        NOT NULL,
    received_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE provider_events;
DROP TABLE payouts;
DROP TABLE top_ups;
