-- +goose Up

-- The order in which a sub-order's refunds were claimed, under its escrow
-- row's lock: a refund converts back after the claims made before it
-- (escrow.Back.Before), so a sub-order returned in parts gives back, all
-- told, exactly what was paid. The claims' own times came from each
-- replica's clock before the lock was taken, so two claims racing could
-- each count the other as later. Existing rows are numbered in the order of
-- their times.
ALTER TABLE escrow_refunds ADD COLUMN claim_seq bigint;
UPDATE escrow_refunds e SET claim_seq = n.seq
FROM (SELECT refund_id, row_number() OVER (ORDER BY created_at, refund_id) AS seq FROM escrow_refunds) n
WHERE e.refund_id = n.refund_id;
CREATE SEQUENCE escrow_refunds_claim_seq OWNED BY escrow_refunds.claim_seq;
SELECT setval('escrow_refunds_claim_seq', coalesce((SELECT max(claim_seq) FROM escrow_refunds), 0) + 1, false);
ALTER TABLE escrow_refunds ALTER COLUMN claim_seq SET DEFAULT nextval('escrow_refunds_claim_seq'), ALTER COLUMN claim_seq SET NOT NULL;

-- +goose Down
ALTER TABLE escrow_refunds DROP COLUMN claim_seq;
