-- +goose Up

-- A partner virtual account is the platform's money held at a partner
-- platform, an asset: debit-normal, credits_must_not_exceed_debits (4), no
-- longer debits_must_not_exceed_credits (2) (docs/adr/0011-ledger.md,
-- 0012-escrow.md). Accounts opened before were credited each line's gross and
-- split it all out again, so they hold nothing and the new flag holds for
-- them.
UPDATE ledger_accounts SET flags = 4
WHERE kind = 'partner_virtual' AND flags = 2
  AND credits_posted + credits_pending <= debits_posted;

-- +goose Down
UPDATE ledger_accounts SET flags = 2
WHERE kind = 'partner_virtual' AND flags = 4
  AND debits_posted + debits_pending <= credits_posted;
