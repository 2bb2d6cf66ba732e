-- +goose Up

-- A paid payout the bank sends back (the provider reports it failed after
-- paying it) is returned: its amount goes back to the payable.
ALTER TABLE payouts DROP CONSTRAINT payouts_state_check;
ALTER TABLE payouts ADD CONSTRAINT payouts_state_check
    CHECK (state IN ('requested', 'reserved', 'sent', 'paid', 'failed', 'returned'));

-- +goose Down
UPDATE payouts SET state = 'paid' WHERE state = 'returned';
ALTER TABLE payouts DROP CONSTRAINT payouts_state_check;
ALTER TABLE payouts ADD CONSTRAINT payouts_state_check
    CHECK (state IN ('requested', 'reserved', 'sent', 'paid', 'failed'));
