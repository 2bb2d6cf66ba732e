-- +goose Up

-- A commission rate was stored under the organization id as an admin typed
-- it, and settlement looks it up by the id's canonical spelling (lower
-- case, no spaces): one typed otherwise was never found. Each such rate is
-- moved to the canonical id; where a rate is stored under both, the one
-- set last stays.
CREATE TEMP TABLE canonical_rates ON COMMIT DROP AS
SELECT DISTINCT ON (lower(btrim(supplier_org_id))) lower(btrim(supplier_org_id)) AS supplier_org_id, bps, set_by, set_at
FROM commission_rates
WHERE lower(btrim(supplier_org_id)) ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
ORDER BY lower(btrim(supplier_org_id)), set_at DESC;
DELETE FROM commission_rates
WHERE lower(btrim(supplier_org_id)) IN (SELECT supplier_org_id FROM canonical_rates);
INSERT INTO commission_rates (supplier_org_id, bps, set_by, set_at)
SELECT supplier_org_id, bps, set_by, set_at FROM canonical_rates;

-- +goose Down
SELECT 1;
