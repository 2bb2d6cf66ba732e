-- +goose Up

-- A commission rate was stored under the organization id as an admin typed
-- it, and settlement looks it up by the id's canonical spelling (lower
-- case, hyphenated, nothing around it): one typed otherwise (capitals,
-- spaces, braces, no hyphens, a urn:uuid: prefix, as uuid.Parse took them)
-- was never found. Each such rate is moved to the canonical id; where a
-- rate is stored under more than one spelling, the one set last stays. A
-- key that is no UUID is left as it is.
CREATE TEMP TABLE typed_rates ON COMMIT DROP AS
SELECT supplier_org_id AS typed,
       regexp_replace(regexp_replace(supplier_org_id, '^\s+|\s+$', '', 'g'), '^urn:uuid:', '', 'i') AS bare,
       bps, set_by, set_at
FROM commission_rates;
ALTER TABLE typed_rates ADD COLUMN canon text;
UPDATE typed_rates SET canon = CASE
    WHEN bare ~ '^(\{[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\}|[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12})$'
    THEN bare::uuid::text END;
DELETE FROM commission_rates WHERE supplier_org_id IN (SELECT typed FROM typed_rates WHERE canon IS NOT NULL);
INSERT INTO commission_rates (supplier_org_id, bps, set_by, set_at)
SELECT DISTINCT ON (canon) canon, bps, set_by, set_at FROM typed_rates
WHERE canon IS NOT NULL
ORDER BY canon, set_at DESC;

-- +goose Down
SELECT 1;
