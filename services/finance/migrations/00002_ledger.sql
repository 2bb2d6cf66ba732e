-- +goose Up

-- ledger_accounts: one row per account with its four running totals. An
-- account is addressed by what it is (kind, owner, currency) and opened the
-- first time a transfer names it, with the flags its kind calls for. Totals
-- are never negative; the limits the flags state are checked by the
-- application (domain/ledger) before a row is written.
CREATE TABLE ledger_accounts (
    id              uuid        PRIMARY KEY,
    kind            text        NOT NULL,
    owner_type      text        NOT NULL,
    owner_id        text        NOT NULL,
    currency        text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    flags           integer     NOT NULL,
    debits_posted   bigint      NOT NULL DEFAULT 0 CHECK (debits_posted >= 0),
    credits_posted  bigint      NOT NULL DEFAULT 0 CHECK (credits_posted >= 0),
    debits_pending  bigint      NOT NULL DEFAULT 0 CHECK (debits_pending >= 0),
    credits_pending bigint      NOT NULL DEFAULT 0 CHECK (credits_pending >= 0),
    created_at      timestamptz NOT NULL,
    closed_at       timestamptz,
    CONSTRAINT ledger_accounts_ref UNIQUE (kind, owner_type, owner_id, currency)
) WITH (fillfactor = 70); -- room on each page, so a balance update stays a heap-only (HOT) update

-- An owner's accounts of a kind (AccountsOf) use the unique index above.

-- ledger_commands: one row per executed command, keyed by its idempotency
-- key; the fingerprint tells a retry from a reuse of the key. Its result is
-- its transfers (ledger_transfers.command_id, in position order). A refused
-- command leaves no row, so it may be retried once the refusal is cured.
CREATE TABLE ledger_commands (
    id              uuid        PRIMARY KEY,
    idempotency_key text        NOT NULL CONSTRAINT ledger_commands_key UNIQUE,
    fingerprint     bytea       NOT NULL,
    created_at      timestamptz NOT NULL
);

-- ledger_transfers: immutable; a correction is a new transfer. Each row keeps
-- both accounts' balances right after it, so an account's balance at any past
-- instant is its last transfer before then. seq orders transfers of one
-- account in the order they were applied (rows are inserted while the
-- account is locked). The account, command and pending ids carry no foreign
-- keys: the ledger writes only ids it read under lock in the same
-- transaction, and a key check per row would cost a batch several index
-- probes and row locks per transfer (docs/adr/0011-ledger.md).
CREATE TABLE ledger_transfers (
    id              uuid        PRIMARY KEY,
    seq             bigint      GENERATED ALWAYS AS IDENTITY,
    command_id      uuid        NOT NULL,
    position        integer     NOT NULL,
    debit_account   uuid        NOT NULL,
    credit_account  uuid        NOT NULL,
    amount          bigint      NOT NULL CHECK (amount > 0),
    currency        text        NOT NULL,
    code            text        NOT NULL,
    reference       text        NOT NULL,
    phase           text        NOT NULL CHECK (phase IN ('posted', 'pending', 'post_pending', 'void_pending')),
    pending_id      uuid,
    expires_at      timestamptz,
    rate_from       text,
    rate_to         text,
    rate            text CHECK (rate ~ '^[0-9]+(\.[0-9]+)?$'),
    rate_source     text,
    rate_quote_id   text,
    rate_as_of      timestamptz,
    created_at      timestamptz NOT NULL,
    debit_debits_posted    bigint NOT NULL,
    debit_credits_posted   bigint NOT NULL,
    debit_debits_pending   bigint NOT NULL,
    debit_credits_pending  bigint NOT NULL,
    credit_debits_posted   bigint NOT NULL,
    credit_credits_posted  bigint NOT NULL,
    credit_debits_pending  bigint NOT NULL,
    credit_credits_pending bigint NOT NULL,
    CHECK (debit_account <> credit_account),
    CHECK ((phase IN ('post_pending', 'void_pending')) = (pending_id IS NOT NULL))
);

-- A pending transfer is completed at most once, whatever the application does.
CREATE UNIQUE INDEX ledger_transfers_resolves ON ledger_transfers (pending_id) WHERE pending_id IS NOT NULL;
CREATE INDEX ledger_transfers_command ON ledger_transfers (command_id, position);
CREATE INDEX ledger_transfers_reference ON ledger_transfers (reference, seq);
-- Statements and balances at an instant, one index per side.
CREATE INDEX ledger_transfers_debit ON ledger_transfers (debit_account, created_at, seq);
CREATE INDEX ledger_transfers_credit ON ledger_transfers (credit_account, created_at, seq);
-- The expiry sweeper's open pending transfers with a deadline.
CREATE INDEX ledger_transfers_expiring ON ledger_transfers (expires_at) WHERE phase = 'pending' AND expires_at IS NOT NULL;

-- +goose Down
DROP TABLE ledger_transfers;
DROP TABLE ledger_commands;
DROP TABLE ledger_accounts;
