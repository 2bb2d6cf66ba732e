-- +goose Up

-- coupon_reclaims: every reclaim of a sub-order's coupon funding, recorded
-- by its reclaim id BEFORE its ledger command (under the escrow row's
-- lock), so the reclaims of a sub-order together never take back more than
-- its coupon funded, racing ones checked one after the other, and a
-- reclaim id belongs to one sub-order and amount. A row whose ledger
-- command the ledger refused is deleted by the attempt that wrote or last
-- took it over (attempt_id), never by another.
CREATE TABLE coupon_reclaims (
    reclaim_id   text        PRIMARY KEY,
    sub_order_id text        NOT NULL REFERENCES escrows (sub_order_id),
    amount_minor bigint      NOT NULL CHECK (amount_minor > 0),
    attempt_id   uuid        NOT NULL,
    created_at   timestamptz NOT NULL
);
CREATE INDEX coupon_reclaims_sub_order ON coupon_reclaims (sub_order_id);

-- The reclaims the ledger holds: referenced 'coupon-back:<sub-order>:<reclaim id>'.
INSERT INTO coupon_reclaims (reclaim_id, sub_order_id, amount_minor, attempt_id, created_at)
SELECT substr(t.reference, length('coupon-back:' || e.sub_order_id || ':') + 1), e.sub_order_id, t.amount, gen_random_uuid(), t.created_at
FROM ledger_transfers t JOIN escrows e ON e.sub_order_id = split_part(t.reference, ':', 2)
WHERE t.code = 'coupon_reclaim'
ON CONFLICT (reclaim_id) DO NOTHING;

-- +goose Down
DROP TABLE coupon_reclaims;
