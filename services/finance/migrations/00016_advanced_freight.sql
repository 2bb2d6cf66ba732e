-- +goose Up

-- advanced_freight: each freight leg of an unsettled sub-order that its
-- escrow could not pay, which the platform's freight expense paid instead.
-- It is part of the sub-order's actual freight: settlement bills it
-- (goods + advanced freight against what escrow holds, a top-up request for
-- what is missing) and gives it back to the freight expense. Recorded after
-- the leg's payment commits, and again by the leg's retry while the
-- sub-order is unsettled; a leg recorded after its sub-order's settlement
-- read them stays the platform's, as a leg after settlement does.
CREATE TABLE advanced_freight (
    leg_id       text        PRIMARY KEY,
    sub_order_id text        NOT NULL REFERENCES escrows (sub_order_id),
    amount_minor bigint      NOT NULL CHECK (amount_minor > 0),
    created_at   timestamptz NOT NULL
);
CREATE INDEX advanced_freight_sub_order ON advanced_freight (sub_order_id);

-- +goose Down
DROP TABLE advanced_freight;
