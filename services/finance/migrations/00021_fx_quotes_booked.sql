-- +goose Up

-- Quotes are kept FX_QUOTE_RETENTION past their expiry, then purged, except
-- those a ledger transfer names (the rate a payment converted at, and the
-- rate its settlement and refunds convert back at): those stay with the
-- books. booked marks a quote the purge found named by the ledger, so later
-- purges pass over it without asking the ledger again; a quote is booked, if
-- ever, while it is usable, long before the purge looks at it.
ALTER TABLE fx_quotes ADD COLUMN booked boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE fx_quotes DROP COLUMN booked;
