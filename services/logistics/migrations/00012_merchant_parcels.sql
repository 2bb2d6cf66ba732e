-- +goose Up

-- The merchant whose order a parcel carries: its members read the parcel,
-- and the member who placed the order (its buyer_id) only while one. NULL for
-- a person's own order, and for parcels booked before orders said (those stay
-- readable by the member who placed them).
ALTER TABLE shipments ADD COLUMN merchant_org_id uuid;
CREATE INDEX shipments_merchant ON shipments (merchant_org_id, created_at DESC, shipment_id DESC) WHERE merchant_org_id IS NOT NULL;

-- +goose Down
DROP INDEX shipments_merchant;
ALTER TABLE shipments DROP COLUMN merchant_org_id;
