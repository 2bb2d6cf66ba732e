-- +goose Up

-- Operators resolve a payout that covers more than docking credited (a line
-- they dismissed was still paid out: DockingService.ResolvePartnerPayout).
-- Finance then records it, the virtual account giving what it holds and the
-- rest booked to the partner's unallocated receipts; unallocated_minor is
-- that rest, as finance answered it.
ALTER TABLE partner_payouts
    ADD COLUMN resolution_note   text,
    ADD COLUMN resolved_by       text,
    ADD COLUMN resolved_at       timestamptz,
    ADD COLUMN unallocated_minor bigint NOT NULL DEFAULT 0 CHECK (unallocated_minor >= 0);
ALTER TABLE partner_payouts ADD CONSTRAINT partner_payouts_resolved
    CHECK ((resolved_at IS NULL) = (resolution_note IS NULL) AND (resolved_at IS NULL) = (resolved_by IS NULL));

-- +goose Down
ALTER TABLE partner_payouts DROP CONSTRAINT partner_payouts_resolved;
ALTER TABLE partner_payouts
    DROP COLUMN unallocated_minor,
    DROP COLUMN resolved_at,
    DROP COLUMN resolved_by,
    DROP COLUMN resolution_note;
