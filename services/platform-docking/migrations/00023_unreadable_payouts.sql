-- +goose Up

-- A payout a connector cannot read whole (no id, an amount in no known
-- currency or not above zero, a time it cannot parse) is kept with its
-- problems beside it, for an operator, and never recorded in finance;
-- before, it failed the page it was on every round, and the partner's payout
-- pull stopped there. Its amount is unset (0, no currency) when it could not
-- be read; one without an id of its own is named by its content. Unreadable
-- payouts are read again from what was kept of them every round, so a fix of
-- docking's reading records them; an operator's resolution of one dismisses
-- it.
ALTER TABLE partner_payouts ADD COLUMN problems text[] NOT NULL DEFAULT '{}';
ALTER TABLE partner_payouts DROP CONSTRAINT partner_payouts_amount_minor_check;
ALTER TABLE partner_payouts ADD CONSTRAINT partner_payouts_amount_minor_check
    CHECK (amount_minor > 0 OR problems <> '{}');

-- +goose Down
-- The unreadable payouts go: the payout watermark is past them, so the code
-- before this migration will not read them again.
DELETE FROM partner_payouts WHERE problems <> '{}';
ALTER TABLE partner_payouts DROP CONSTRAINT partner_payouts_amount_minor_check;
ALTER TABLE partner_payouts ADD CONSTRAINT partner_payouts_amount_minor_check CHECK (amount_minor > 0);
ALTER TABLE partner_payouts DROP COLUMN problems;
