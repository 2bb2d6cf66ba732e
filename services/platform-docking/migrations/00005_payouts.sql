-- +goose Up

-- Payouts: the partner paying our balance out of Crossdock's seller account
-- there to our bank. Docking pulls them over a window of their own (payout
-- watermark, the settlement pull's lag and overlap) after the settlement
-- lines, keeps each once as received (raw), and records it in finance as a
-- withdrawal from our virtual account at the partner (idempotent on partner
-- and payout id). One finance refuses (the partner paid out lines not yet
-- matched, so the account does not hold it) keeps recorded_at NULL and its
-- error, and is tried again every settlement round.
-- Partners docked before this start their payout pull where they were
-- created or verified, whichever was first.
ALTER TABLE pull_state ADD COLUMN payout_watermark timestamptz;
UPDATE pull_state s SET payout_watermark = LEAST(p.created_at, COALESCE(p.verified_at, p.created_at))
    FROM partners p WHERE p.partner_id = s.partner_id;
ALTER TABLE pull_state ALTER COLUMN payout_watermark SET NOT NULL;
ALTER TABLE pull_state ADD COLUMN last_payout_pull_at timestamptz;

CREATE TABLE partner_payouts (
    partner_id    uuid NOT NULL REFERENCES partners,
    payout_id     text NOT NULL CHECK (length(payout_id) BETWEEN 1 AND 128),
    amount_minor  bigint NOT NULL CHECK (amount_minor > 0),
    currency      text NOT NULL,
    paid_at       timestamptz NOT NULL,
    raw           jsonb NOT NULL,
    first_seen_at timestamptz NOT NULL,
    recorded_at   timestamptz,
    last_error    text NOT NULL DEFAULT '',
    PRIMARY KEY (partner_id, payout_id)
);

CREATE INDEX partner_payouts_unrecorded ON partner_payouts (partner_id, paid_at) WHERE recorded_at IS NULL;

-- +goose Down
DROP TABLE partner_payouts;
ALTER TABLE pull_state DROP COLUMN last_payout_pull_at;
ALTER TABLE pull_state DROP COLUMN payout_watermark;
