-- +goose Up

-- A carrier event of a consolidation whose onward booking is not stored
-- yet (booked at the carrier, its answer lost or on its way) is parked here
-- when the feed brings it, and the feed reads on past it: before, the feed
-- stopped at it, holding up every other parcel of the carrier until the
-- booking was stored. Each read of the carrier's feed first applies its
-- parked events again and removes those applied or found to apply to
-- nothing. An event parked twice (a crash between parking and moving the
-- cursor) is applied once all the same: tracking events by their id,
-- charges by their leg.
CREATE TABLE parked_carrier_events (
    parked_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    carrier_id uuid NOT NULL REFERENCES carriers (carrier_id),
    reference text NOT NULL,
    event jsonb NOT NULL,
    parked_at timestamptz NOT NULL
);
-- A carrier's parked events in order; parked_at included for the failing
-- steps' count and age, read from the index alone.
CREATE INDEX parked_carrier_events_carrier ON parked_carrier_events (carrier_id, parked_id) INCLUDE (parked_at);

-- +goose Down
DROP TABLE parked_carrier_events;
