-- +goose Up

-- A consolidation whose onward booking the carrier refused for good (a
-- destination or weight it does not take) is asked again an hour later,
-- not every round: its parcels, the oldest at the warehouse, were read
-- first by every round and, once a batch's worth of them was refused,
-- held every later parcel back.
ALTER TABLE shipments ADD COLUMN onward_retry_at timestamptz;

-- +goose Down
ALTER TABLE shipments DROP COLUMN onward_retry_at;
