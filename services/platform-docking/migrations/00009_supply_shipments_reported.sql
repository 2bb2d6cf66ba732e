-- +goose Up

-- A supply order is shipped only once orders recorded the platform's
-- waybill on the local sub-order (OrdersService.RecordExternalShipment).
-- Orders shipped before that call existed were never told to orders: they
-- are tracked again at once, which reads the platform's waybill and tells
-- orders (idempotent on the waybill).
UPDATE supply_orders SET state = 'placed', due_at = now(), updated_at = now()
 WHERE state = 'shipped';

-- +goose Down
SELECT 1;
