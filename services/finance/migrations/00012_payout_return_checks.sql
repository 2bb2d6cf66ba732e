-- +goose Up

-- A paid payout the bank sends back is reported by the provider as failed,
-- days after its payment. When that webhook never reaches us (finance or
-- the gateway down for longer than the provider retries), the payout
-- worker asks: return_checked_at is when the provider was last asked about
-- a paid payout.
ALTER TABLE payouts ADD COLUMN return_checked_at timestamptz;
CREATE INDEX payouts_paid ON payouts (created_at) WHERE state = 'paid';

-- +goose Down
DROP INDEX payouts_paid;
ALTER TABLE payouts DROP COLUMN return_checked_at;
