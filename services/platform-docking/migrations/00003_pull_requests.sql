-- +goose Up

-- Pulls of single partner orders that a partner's webhook asked for
-- (PartnerService.NotifyOrderChanged): one row per order at most, so duplicate
-- and out-of-order notifications schedule one pull. The jobs read the order
-- through the partner's own API and delete the row; a partner that cannot be
-- reached or rate limits us moves due_at back. requested_at is the latest
-- notification's arrival: a pull that read the order before it leaves the row
-- for another pull.
CREATE TABLE pull_requests (
    partner_id       uuid NOT NULL REFERENCES partners,
    partner_order_id text NOT NULL CHECK (length(partner_order_id) BETWEEN 1 AND 128),
    requested_at     timestamptz NOT NULL,
    due_at           timestamptz NOT NULL,
    attempts         int NOT NULL DEFAULT 0,
    last_error       text NOT NULL DEFAULT '',
    PRIMARY KEY (partner_id, partner_order_id)
);

CREATE INDEX pull_requests_due ON pull_requests (partner_id, due_at);

-- +goose Down
DROP TABLE pull_requests;
