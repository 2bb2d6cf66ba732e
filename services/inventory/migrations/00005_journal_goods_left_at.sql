-- +goose Up

-- A commit journalled after an ERP's count may be of goods that left the
-- warehouse before it (the carrier picked them up; logistics commits a
-- moment to hours later): that count already excluded them. goods_left_at
-- is when a commit's goods left, when the committer knows it; a count as
-- of a later moment does not take such a commit off again. NULL for every
-- other movement, and for commits that do not say (they count from when
-- they were journalled, as before).
ALTER TABLE stock_journal ADD COLUMN goods_left_at timestamptz;

-- +goose Down
ALTER TABLE stock_journal DROP COLUMN goods_left_at;
