-- +goose Up

-- A claw-back or coupon reclaim of goods returned after settlement takes
-- back from the supplier's payable only what the settlement credited it for
-- those goods: the commission's share comes back from the platform's
-- revenue. commission_minor is that share, decided under the escrow row's
-- lock with the claim, so the claims of a sub-order together never give back
-- more than its settlement's commission. Claims recorded before this hold 0:
-- their claw-backs took everything from the payable.
ALTER TABLE escrow_refunds ADD COLUMN commission_minor bigint NOT NULL DEFAULT 0 CHECK (commission_minor >= 0);
ALTER TABLE coupon_reclaims ADD COLUMN commission_minor bigint NOT NULL DEFAULT 0 CHECK (commission_minor >= 0);

-- +goose Down
ALTER TABLE coupon_reclaims DROP COLUMN commission_minor;
ALTER TABLE escrow_refunds DROP COLUMN commission_minor;
