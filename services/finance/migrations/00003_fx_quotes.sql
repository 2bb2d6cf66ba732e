-- +goose Up

-- fx_quotes are locked rates: rate is the mid rate of the exchange rate in
-- force (source, rate_effective_at) with spread_bps taken off, usable for a
-- conversion from from_currency to to_currency until expires_at. A payment
-- names the quote it converts at and the ledger legs record its rate, so a
-- refund converts back at exactly this rate. Rows are never updated.
CREATE TABLE fx_quotes (
    id                uuid            PRIMARY KEY,
    from_currency     text            NOT NULL CHECK (from_currency ~ '^[A-Z]{3}$'),
    to_currency       text            NOT NULL CHECK (to_currency ~ '^[A-Z]{3}$'),
    rate              numeric(38, 18) NOT NULL CHECK (rate > 0),
    mid_rate          numeric(38, 18) NOT NULL CHECK (mid_rate > 0),
    spread_bps        bigint          NOT NULL CHECK (spread_bps >= 0),
    source            text            NOT NULL,
    rate_effective_at timestamptz     NOT NULL,
    -- amount is in minor units of from_currency, converted in to_currency;
    -- both 0 when the quote is for the rate alone.
    amount            bigint          NOT NULL CHECK (amount >= 0),
    converted         bigint          NOT NULL CHECK (converted >= 0),
    created_by        text            NOT NULL,
    created_at        timestamptz     NOT NULL,
    expires_at        timestamptz     NOT NULL CHECK (expires_at > created_at),
    CHECK (from_currency <> to_currency),
    CHECK (rate <= mid_rate)
);

-- +goose Down
DROP TABLE fx_quotes;
