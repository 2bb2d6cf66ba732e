-- +goose Up

-- A sub-order cancelled here after docking queued its purchase order:
-- the platform's order (placed, or perhaps placed: its answer lost) is to
-- be cancelled there, or the platform ships goods the buyer was refunded
-- for. Written only by the orders.sub_order.cancelled consumer, so a
-- worker saving the order it read before cannot erase it.
ALTER TABLE supply_orders ADD COLUMN cancel_requested_at timestamptz;
ALTER TABLE supply_orders DROP CONSTRAINT supply_orders_state_check;
ALTER TABLE supply_orders ADD CONSTRAINT supply_orders_state_check
    CHECK (state IN ('queued', 'placed', 'shipped', 'held', 'cancelled'));

-- +goose Down
ALTER TABLE supply_orders DROP CONSTRAINT supply_orders_state_check;
DELETE FROM supply_orders WHERE state = 'cancelled';
ALTER TABLE supply_orders ADD CONSTRAINT supply_orders_state_check
    CHECK (state IN ('queued', 'placed', 'shipped', 'held'));
ALTER TABLE supply_orders DROP COLUMN cancel_requested_at;
