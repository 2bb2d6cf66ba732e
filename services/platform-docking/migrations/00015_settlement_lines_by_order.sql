-- +goose Up
-- A partner settles an order once: reconciling a line looks for another
-- line of the same order already matched or accepted (a bill re-issued
-- under a new id must not be credited twice).
CREATE INDEX settlement_lines_by_order ON settlement_lines (partner_id, partner_order_id);

-- +goose Down
DROP INDEX settlement_lines_by_order;
