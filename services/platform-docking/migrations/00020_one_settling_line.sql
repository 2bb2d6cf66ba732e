-- +goose Up

-- At most one line settles a partner order (matched, or accepted by an
-- operator): a second would credit the supplier the order twice. The
-- round and an operator check for one before they decide, but each locks
-- only its own line; two deciding at once on two lines of one order both
-- found none. The database now refuses the second.
--
-- Lines that settled an order a second time before this version (credited
-- twice) are marked with the line that settled it first, for an operator
-- to take up with the partner and the supplier, and are left out of the
-- rule; nothing is moved back here.
ALTER TABLE settlement_lines ADD COLUMN second_settlement_of text;

UPDATE settlement_lines l SET second_settlement_of = first.line_id
FROM (SELECT DISTINCT ON (partner_id, partner_order_id) partner_id, partner_order_id, line_id
      FROM settlement_lines WHERE state IN ('matched', 'accepted')
      ORDER BY partner_id, partner_order_id, coalesce(reconciled_at, first_seen_at), line_id) first
WHERE l.partner_id = first.partner_id AND l.partner_order_id = first.partner_order_id
  AND l.state IN ('matched', 'accepted') AND l.line_id <> first.line_id;

CREATE UNIQUE INDEX settlement_lines_one_settling ON settlement_lines (partner_id, partner_order_id)
    WHERE state IN ('matched', 'accepted') AND second_settlement_of IS NULL;

-- +goose Down
DROP INDEX settlement_lines_one_settling;
ALTER TABLE settlement_lines DROP COLUMN second_settlement_of;
