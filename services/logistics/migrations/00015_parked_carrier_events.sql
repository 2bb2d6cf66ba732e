-- +goose Up

-- A carrier event of a consolidation whose onward booking is not stored
-- yet (booked at the carrier, its answer lost or on its way) is parked here
-- when the feed brings it, and the feed reads on past it: before, the feed
-- stopped at it, holding up every other parcel of the carrier until the
-- booking was stored. Each read of the carrier's feed first applies the
-- parked events whose booking is stored by now (no parcel of their
-- consolidation, reference, is still on its way to the central warehouse),
-- and removes those applied or found to apply to nothing. An event is
-- parked once per carrier (every replica reads the feed): a copy parked
-- again is dropped, and one applied twice changes nothing (tracking events
-- are known by their id, charges by their leg).
CREATE TABLE parked_carrier_events (
    parked_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    carrier_id uuid NOT NULL REFERENCES carriers (carrier_id),
    event_id text NOT NULL,
    reference uuid NOT NULL,
    event jsonb NOT NULL,
    parked_at timestamptz NOT NULL,
    UNIQUE (carrier_id, event_id)
);
-- A carrier's parked events in order; parked_at included for the failing
-- steps' count and age, read from the index alone.
CREATE INDEX parked_carrier_events_carrier ON parked_carrier_events (carrier_id, parked_id) INCLUDE (parked_at);

-- +goose Down
DROP TABLE parked_carrier_events;
