-- +goose Up
-- counted_at: when the level was last counted by an ERP sync (the sync's
-- counted_at, or when it arrived). A count older than that is refused, and
-- a count is applied as of its moment: the journal's on-hand movements since
-- are added to it (docs: services/inventory/README.md, ERP sync).
ALTER TABLE stock ADD COLUMN counted_at timestamptz;

-- +goose Down
ALTER TABLE stock DROP COLUMN counted_at;
