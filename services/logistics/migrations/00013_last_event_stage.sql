-- +goose Up

-- The booking (1 the first, 2 the onward one) of the last event applied: the
-- carrier numbers a booking's events in the order they happened, so the next
-- event of the same booking is ordered by that number, not by a scanner's
-- clock. 0 for parcels whose last event was applied before this was kept:
-- their next event is ordered by time, as before. A constant default, so no
-- rewrite of the table.
ALTER TABLE shipments ADD COLUMN last_event_stage smallint NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE shipments DROP COLUMN last_event_stage;
