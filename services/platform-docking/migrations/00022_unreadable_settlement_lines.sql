-- +goose Up

-- A settlement line a connector cannot read whole (no id, no order, an amount
-- in no known currency, a time it cannot parse) is kept as "unreadable", its
-- problems beside it, for an operator, who may dismiss it; before, it failed
-- the page it was on every round, and the partner's settlement pull stopped
-- there. A line without an id of its own is named by its content. Unreadable
-- lines are read again from what was kept of them every round, so a fix of
-- docking's reading credits them.
ALTER TABLE settlement_lines DROP CONSTRAINT settlement_lines_state_check;
ALTER TABLE settlement_lines ADD CONSTRAINT settlement_lines_state_check
    CHECK (state IN ('new', 'matched', 'missing', 'mismatch', 'accepted', 'dismissed', 'unreadable'));
ALTER TABLE settlement_lines ADD COLUMN problems text[] NOT NULL DEFAULT '{}';

-- +goose Down
DELETE FROM settlement_lines WHERE state = 'unreadable' OR resolved_from = 'unreadable';
ALTER TABLE settlement_lines DROP COLUMN problems;
ALTER TABLE settlement_lines DROP CONSTRAINT settlement_lines_state_check;
ALTER TABLE settlement_lines ADD CONSTRAINT settlement_lines_state_check
    CHECK (state IN ('new', 'matched', 'missing', 'mismatch', 'accepted', 'dismissed'));
