-- +goose Up

-- Supply platforms can be edited. An edit that replaces or removes an
-- account keeps it as retired while purchase orders placed (or first tried)
-- under it are still placed or followed there: its id is listed here, plain
-- like the others, and its key stays in the sealed secrets.
ALTER TABLE supply_platforms
    ADD COLUMN retired_account_ids text[] NOT NULL DEFAULT '{}',
    ADD COLUMN updated_at timestamptz;

UPDATE supply_platforms SET updated_at = created_at;

ALTER TABLE supply_platforms ALTER COLUMN updated_at SET NOT NULL;

-- +goose Down
ALTER TABLE supply_platforms DROP COLUMN updated_at, DROP COLUMN retired_account_ids;
