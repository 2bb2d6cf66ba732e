-- +goose Up

-- exchange_rates records what 1 unit of from_currency buys of to_currency
-- (major units), from effective_at on, with where the rate came from. Rows are
-- never updated: a conversion made at a time can always be explained by the
-- rate in force then. The inverse pair is a row of its own, never inferred.
CREATE TABLE exchange_rates (
    from_currency text           NOT NULL CHECK (from_currency ~ '^[A-Z]{3}$'),
    to_currency   text           NOT NULL CHECK (to_currency ~ '^[A-Z]{3}$'),
    rate          numeric(38, 18) NOT NULL CHECK (rate > 0),
    source        text           NOT NULL,
    effective_at  timestamptz    NOT NULL,
    recorded_at   timestamptz    NOT NULL,
    recorded_by   text           NOT NULL,
    CHECK (from_currency <> to_currency),
    -- Also the lookup of the rate in force: the latest effective_at at or
    -- before a time, one backward index step.
    PRIMARY KEY (from_currency, to_currency, effective_at)
);

-- +goose Down
DROP TABLE exchange_rates;
