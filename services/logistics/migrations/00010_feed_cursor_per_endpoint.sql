-- +goose Up

-- A carrier's feed cursor belongs to the feed it was read from: each of a
-- carrier's endpoints (one per environment, and a URL an admin may change)
-- is a system of its own that numbers its events from 1, so a cursor from
-- one skips events of another. feed names the feed: the environment and
-- the endpoint's API URL (a carrier may serve both environments at one URL,
-- told apart by the key). A cursor kept before this migration was read from
-- the environment the service ran in, sandbox unless configured otherwise:
-- it is kept for the sandbox endpoint, and any other feed is read from its
-- start once (events already applied are recognized and change nothing).
ALTER TABLE carrier_cursors ADD COLUMN feed text NOT NULL DEFAULT '';
UPDATE carrier_cursors c SET feed = coalesce((
    SELECT 'sandbox ' || (e->>'APIURL') FROM carriers k, jsonb_array_elements(k.endpoints) e
    WHERE k.carrier_id = c.carrier_id AND e->>'Environment' = 'sandbox' LIMIT 1), '');
ALTER TABLE carrier_cursors DROP CONSTRAINT carrier_cursors_pkey;
ALTER TABLE carrier_cursors ADD PRIMARY KEY (carrier_id, feed);
ALTER TABLE carrier_cursors ALTER COLUMN feed DROP DEFAULT;

-- +goose Down
DELETE FROM carrier_cursors c WHERE EXISTS (SELECT 1 FROM carrier_cursors d
    WHERE d.carrier_id = c.carrier_id AND (d.updated_at, d.feed) > (c.updated_at, c.feed));
ALTER TABLE carrier_cursors DROP CONSTRAINT carrier_cursors_pkey;
ALTER TABLE carrier_cursors DROP COLUMN feed;
ALTER TABLE carrier_cursors ADD PRIMARY KEY (carrier_id);
