-- +goose Up

-- Operators resolve the settlement lines docking could not match
-- (DockingService.ResolveSettlementLine): a mismatch is "accepted" (credited
-- as the partner stated it, split over the order's sub-orders as a matched
-- line is), a mismatch or a missing line "dismissed" (closed, no credit).
-- resolved_from is the state docking had left it in; expected_* keep what we
-- expected, beside the partner's figures, for audit.
ALTER TABLE settlement_lines DROP CONSTRAINT settlement_lines_state_check;
ALTER TABLE settlement_lines ADD CONSTRAINT settlement_lines_state_check
    CHECK (state IN ('new', 'matched', 'missing', 'mismatch', 'accepted', 'dismissed'));
ALTER TABLE settlement_lines
    ADD COLUMN resolved_from   text NOT NULL DEFAULT '',
    ADD COLUMN resolution_note text NOT NULL DEFAULT '',
    ADD COLUMN resolved_by     text NOT NULL DEFAULT '',
    ADD COLUMN resolved_at     timestamptz;
ALTER TABLE settlement_lines ADD CONSTRAINT settlement_lines_resolved
    CHECK ((state IN ('accepted', 'dismissed')) = (resolved_at IS NOT NULL));

-- credited_at is when finance confirmed every part of a matched or accepted
-- line. The state is decided first and the credit follows, so an operator's
-- dismissal and the round's match cannot both win a line; a line decided but
-- not credited yet (finance failed, or the answer was lost) is credited again
-- by the next round under the same keys. Lines matched before this were
-- credited before they were marked.
ALTER TABLE settlement_lines ADD COLUMN credited_at timestamptz;
UPDATE settlement_lines SET credited_at = reconciled_at WHERE state = 'matched';

CREATE INDEX settlement_lines_uncredited ON settlement_lines (partner_id)
    WHERE state IN ('matched', 'accepted') AND credited_at IS NULL;

-- Operators page through a partner's payouts newest first.
CREATE INDEX partner_payouts_recent ON partner_payouts (partner_id, paid_at DESC);

-- +goose Down
DROP INDEX partner_payouts_recent;
DROP INDEX settlement_lines_uncredited;
UPDATE settlement_lines SET state = resolved_from, resolved_at = NULL WHERE state IN ('accepted', 'dismissed');
ALTER TABLE settlement_lines DROP CONSTRAINT settlement_lines_resolved;
ALTER TABLE settlement_lines
    DROP COLUMN credited_at,
    DROP COLUMN resolved_at,
    DROP COLUMN resolved_by,
    DROP COLUMN resolution_note,
    DROP COLUMN resolved_from;
ALTER TABLE settlement_lines DROP CONSTRAINT settlement_lines_state_check;
ALTER TABLE settlement_lines ADD CONSTRAINT settlement_lines_state_check
    CHECK (state IN ('new', 'matched', 'missing', 'mismatch'));
