-- +goose Up

-- A merchant order is paid from the merchant's prepaid deposit rather than
-- the buyer's wallet: the escrow remembers the merchant organization that
-- paid, so the settlement's remainder, refunds and claw-backs go back to its
-- deposit and its top-up requests are paid from it. Empty: the buyer's
-- wallet paid (every escrow written before).
ALTER TABLE escrows ADD COLUMN merchant_org_id text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE escrows DROP COLUMN merchant_org_id;
