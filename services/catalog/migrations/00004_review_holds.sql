-- +goose Up

-- A reviewer's takedown holds: a product a reviewer delisted (a counterfeit
-- report, say) goes back on sale only once a reviewer approves a revision
-- of it, not at its supplier's word, nor by a trip through the bin.
ALTER TABLE products ADD COLUMN review_hold text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE products DROP COLUMN review_hold;
