-- +goose Up

-- A failed top-up is asked about again for a day (a payer may pay a
-- declined intent with another card, and that webhook may be lost): the
-- checker reads the failed ones made since then beside the pending ones.
CREATE INDEX top_ups_failed ON top_ups (created_at) WHERE state = 'failed';

-- +goose Down
DROP INDEX top_ups_failed;
