-- +goose Up

-- escrow_refunds: every refund and claw-back of a sub-order, recorded by its
-- refund id BEFORE its ledger command (under the escrow row's lock), so
-- that (1) a refund id belongs to one sub-order and one amount: reusing it
-- for another is ALREADY_EXISTS, not a replay of the first; and (2) what a
-- sub-order gave back to its payer is known at once, waiting claw-backs
-- included: a claw-back beyond what the payer paid less what it got back
-- is refused (REFUND_EXCEEDS_PAID), concurrent ones checked one after the
-- other. A row whose ledger command the ledger refused is deleted by the
-- attempt that wrote or last took it over (attempt_id), never by another.
CREATE TABLE escrow_refunds (
    refund_id    text        PRIMARY KEY,
    sub_order_id text        NOT NULL REFERENCES escrows (sub_order_id),
    amount_minor bigint      NOT NULL CHECK (amount_minor > 0), -- supplier currency
    attempt_id   uuid        NOT NULL,
    created_at   timestamptz NOT NULL
);
CREATE INDEX escrow_refunds_sub_order ON escrow_refunds (sub_order_id);

-- What a settlement's remainder gave back to the payer, in the supplier's
-- currency (refunded_minor is the same in the buyer's); 0 when it was too
-- small to convert and stayed as FX rounding.
ALTER TABLE escrows ADD COLUMN remainder_minor bigint;

-- A waiting claw-back the ledger refuses for good (a closed payable, a
-- refund id reused) is parked with the refusal, so it no longer blocks the
-- ones behind it; an operator reads the reason.
ALTER TABLE waiting_refunds DROP CONSTRAINT waiting_refunds_state_check;
ALTER TABLE waiting_refunds ADD CONSTRAINT waiting_refunds_state_check CHECK (state IN ('waiting', 'done', 'parked'));
ALTER TABLE waiting_refunds ADD COLUMN parked_reason text;

-- What the ledger already did, as far as it can tell: settled remainders
-- (the settlement's escrow_refund leg out of the escrow account, in the
-- supplier's currency), refunds out of an escrow account, and every
-- claw-back that ever waited. A claw-back that never waited names no
-- sub-order in the ledger (it left the supplier's shared payable) and
-- cannot be recovered here.
UPDATE escrows e SET remainder_minor = coalesce((
    SELECT sum(t.amount) FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.debit_account
    WHERE t.reference = e.sub_order_id AND t.code = 'escrow_refund' AND t.currency = e.supplier_currency
      AND a.kind = 'escrow' AND a.owner_type = 'order' AND a.owner_id = e.sub_order_id), 0)
WHERE e.state = 'settled';

INSERT INTO escrow_refunds (refund_id, sub_order_id, amount_minor, attempt_id, created_at)
SELECT t.reference, a.owner_id, sum(t.amount), gen_random_uuid(), min(t.created_at)
FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.debit_account
JOIN escrows e ON e.sub_order_id = a.owner_id
WHERE t.code = 'refund' AND a.kind = 'escrow' AND a.owner_type = 'order'
GROUP BY t.reference, a.owner_id
ON CONFLICT (refund_id) DO NOTHING;

INSERT INTO escrow_refunds (refund_id, sub_order_id, amount_minor, attempt_id, created_at)
SELECT refund_id, sub_order_id, amount_minor, gen_random_uuid(), created_at FROM waiting_refunds
ON CONFLICT (refund_id) DO NOTHING;

-- +goose Down
ALTER TABLE waiting_refunds DROP COLUMN parked_reason;
UPDATE waiting_refunds SET state = 'waiting' WHERE state = 'parked';
ALTER TABLE waiting_refunds DROP CONSTRAINT waiting_refunds_state_check;
ALTER TABLE waiting_refunds ADD CONSTRAINT waiting_refunds_state_check CHECK (state IN ('waiting', 'done'));
ALTER TABLE escrows DROP COLUMN remainder_minor;
DROP TABLE escrow_refunds;
