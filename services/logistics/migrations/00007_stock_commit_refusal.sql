-- +goose Up

-- A picked-up parcel's reservation that inventory refused for good to
-- commit (it expired or was released, or inventory does not know it): the
-- goods left the supplier, yet inventory still counts them on hand and may
-- sell them again. stock_commit_refused_at and stock_commit_refusal
-- (inventory's reason) record it for an operator; the stock worker does not
-- ask again, and the failing-steps gauge counts it until an operator
-- settles it (takes the goods off hand in inventory and sets committed, or
-- clears the refusal for the worker to try again). Refusals before this
-- were marked committed all the same: only the service's logs ("inventory
-- refused to commit a picked-up parcel's reservation") name them.
ALTER TABLE shipments
    ADD COLUMN stock_commit_refused_at timestamptz,
    ADD COLUMN stock_commit_refusal    text NOT NULL DEFAULT '';

-- The worker's queue leaves the refused out; the gauge counts them apart.
DROP INDEX shipments_to_commit;
CREATE INDEX shipments_to_commit ON shipments (picked_up_at)
    WHERE picked_up_at IS NOT NULL AND NOT committed AND reservation_id <> '' AND stock_commit_refused_at IS NULL;
CREATE INDEX shipments_stock_commit_refused ON shipments (stock_commit_refused_at)
    WHERE stock_commit_refused_at IS NOT NULL AND NOT committed;

-- +goose Down
-- The refusals are dropped with their columns: the worker asks inventory
-- again for each (it refuses again, and the older version marks them
-- committed).
DROP INDEX shipments_stock_commit_refused;
DROP INDEX shipments_to_commit;
CREATE INDEX shipments_to_commit ON shipments (picked_up_at) WHERE picked_up_at IS NOT NULL AND NOT committed AND reservation_id <> '';
ALTER TABLE shipments DROP COLUMN stock_commit_refusal, DROP COLUMN stock_commit_refused_at;
