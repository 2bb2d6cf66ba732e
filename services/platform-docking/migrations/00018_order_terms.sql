-- +goose Up

-- The partner's terms when an order was imported: its settlement line is
-- reconciled against them, not against terms an operator changed since
-- (which would make every line of an order placed before the change a
-- mismatch). NULL for orders not imported, and for those imported before
-- this version: the partner's terms now apply to them, as before.
ALTER TABLE partner_orders ADD COLUMN commission_bps integer,
    ADD COLUMN fixed_fee_minor bigint,
    ADD COLUMN fixed_fee_currency text;

-- +goose Down
ALTER TABLE partner_orders DROP COLUMN commission_bps, DROP COLUMN fixed_fee_minor, DROP COLUMN fixed_fee_currency;
