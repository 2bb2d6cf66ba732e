-- +goose Up

-- At most one line settles a partner order (matched, or accepted by an
-- operator): a second would credit the supplier the order twice. The
-- round and an operator check for one before they decide, but each locks
-- only its own line; two deciding at once on two lines of one order both
-- found none. The database now refuses the second.
CREATE UNIQUE INDEX settlement_lines_one_settling ON settlement_lines (partner_id, partner_order_id)
    WHERE state IN ('matched', 'accepted');

-- +goose Down
DROP INDEX settlement_lines_one_settling;
