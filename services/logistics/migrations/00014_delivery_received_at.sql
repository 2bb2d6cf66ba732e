-- +goose Up

-- When this service learned of the delivery (delivered_at is the carrier's
-- date for it, which may be minutes off, or old when its webhook came
-- late): the wait for the last-mile charge is counted from the later of
-- the two. NULL for parcels delivered before it was kept. Nullable with no
-- default, so no rewrite of the table.
ALTER TABLE shipments ADD COLUMN delivery_received_at timestamptz;

-- +goose Down
ALTER TABLE shipments DROP COLUMN delivery_received_at;
