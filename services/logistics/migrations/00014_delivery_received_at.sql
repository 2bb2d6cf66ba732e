-- +goose Up

-- When this service learned of the delivery (delivered_at is the carrier's
-- date for it, which may be minutes off, or old when its webhook came
-- late): the wait for the last-mile charge is counted from the later of
-- the two. NULL for parcels delivered before it was kept. Nullable with no
-- default, so no rewrite of the table.
ALTER TABLE shipments ADD COLUMN delivery_received_at timestamptz;

-- Parcels waiting at the central warehouse since before the booking of the
-- last applied event was kept (migration 00013): that event is the first
-- booking's arrival there (both dates set from it at once), so the onward
-- booking's events come after it whatever their dates.
UPDATE shipments SET last_event_stage = 1
WHERE last_event_stage = 0 AND at_central_at IS NOT NULL AND last_event_at = at_central_at;

-- +goose Down
ALTER TABLE shipments DROP COLUMN delivery_received_at;
