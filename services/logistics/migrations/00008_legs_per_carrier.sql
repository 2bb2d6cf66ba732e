-- +goose Up

-- Carriers choose their leg ids ("<waybill>-1", say), so two carriers may
-- charge legs with the same id: a leg is one carrier's, keyed by
-- (carrier_id, leg_id), and the second carrier's charge is no longer taken
-- for a repeat of the first's and dropped.
--
-- Finance pays a leg once by the id logistics sends it ("leg:<id>" is its
-- idempotency key, across all carriers), so that id must be unique across
-- carriers too: payment_ref is the id a leg is paid under, written when
-- the leg is recorded ("<carrier id>:<leg id>" from now on) and never
-- computed again. Legs recorded before this keep their leg id, which
-- finance may already have paid them under (or will, for one paid whose
-- mark was lost): paying such a leg again under another id would pay the
-- carrier twice. The unique index makes a clash an error, never a leg
-- silently left out.
--
-- A replica of the version before this, still running during the
-- roll-out, fails to record a new leg (payment_ref is NOT NULL): the
-- carrier's webhook is answered with an error and retried, and the feed
-- brings the charge again, to a new replica.
ALTER TABLE freight_legs ADD COLUMN payment_ref text;
UPDATE freight_legs SET payment_ref = leg_id;
ALTER TABLE freight_legs
    ALTER COLUMN payment_ref SET NOT NULL,
    DROP CONSTRAINT freight_legs_pkey,
    ADD PRIMARY KEY (carrier_id, leg_id);
CREATE UNIQUE INDEX freight_legs_payment_ref ON freight_legs (payment_ref);

-- +goose Down
-- Fails while two carriers hold legs with the same id: going back would
-- drop one of them. The older version pays a leg under its leg id: one
-- recorded after this and paid under its payment_ref whose mark was lost
-- would be paid again; mark such legs paid by hand first.
DROP INDEX freight_legs_payment_ref;
ALTER TABLE freight_legs
    DROP CONSTRAINT freight_legs_pkey,
    ADD PRIMARY KEY (leg_id),
    DROP COLUMN payment_ref;
