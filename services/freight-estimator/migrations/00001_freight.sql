-- +goose Up

-- settings pins the base currency the history's amounts are stored in: once
-- history exists, the service refuses to start with another one.
CREATE TABLE settings (
    singleton     boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    base_currency text    NOT NULL CHECK (base_currency ~ '^[A-Z]{3}$')
);

-- config_versions are the estimator's settings, one row per change, never
-- updated: the audit trail and the versions in one. The version in force at a
-- time is the latest effective by then.
CREATE TABLE config_versions (
    version          bigint      PRIMARY KEY CHECK (version >= 1),
    window_seconds   bigint      NOT NULL CHECK (window_seconds > 0),
    volume_tolerance text        NOT NULL CHECK (volume_tolerance ~ '^[0-9]+(\.[0-9]+)?$'),
    weight_tolerance text        NOT NULL CHECK (weight_tolerance ~ '^[0-9]+(\.[0-9]+)?$'),
    value_tolerance  text        NOT NULL CHECK (value_tolerance ~ '^[0-9]+(\.[0-9]+)?$'),
    first_weight     text        NOT NULL CHECK (first_weight ~ '^[0-9]+(\.[0-9]+)?$'),
    secondary_weight text        NOT NULL CHECK (secondary_weight ~ '^[0-9]+(\.[0-9]+)?$'),
    end_weight       text        NOT NULL CHECK (end_weight ~ '^[0-9]+(\.[0-9]+)?$'),
    multiplier       text        NOT NULL CHECK (multiplier ~ '^[0-9]+(\.[0-9]+)?$'),
    effective_from   timestamptz NOT NULL,
    changed_by       text        NOT NULL,
    reason           text        NOT NULL,
    recorded_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX config_versions_in_force ON config_versions (effective_from DESC, version DESC);

-- Version 1: DOMAIN.md's defaults, in force since the beginning of time.
INSERT INTO config_versions (version, window_seconds, volume_tolerance, weight_tolerance, value_tolerance,
                             first_weight, secondary_weight, end_weight, multiplier,
                             effective_from, changed_by, reason)
VALUES (1, 90 * 86400, '0.10', '0.10', '0.10', '0.648', '0.25', '0.102', '1.5',
        '1970-01-01T00:00:00Z', 'system', 'defaults from the domain rules');

-- route_multipliers override the global multiplier on one route from a time;
-- a NULL multiplier removes the override. Rows are never updated.
CREATE TABLE route_multipliers (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    route_key      text        NOT NULL,
    multiplier     text        CHECK (multiplier ~ '^[0-9]+(\.[0-9]+)?$'),
    effective_from timestamptz NOT NULL,
    changed_by     text        NOT NULL,
    reason         text        NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX route_multipliers_in_force ON route_multipliers (route_key, effective_from DESC, id DESC);

-- rate_cards are the fallback price lists, versioned like the configuration.
-- zones: [{"code", "countries": [...], "regions": [...]}];
-- prices: [{"zone", "method", "per_kg_minor"}] in the base currency.
CREATE TABLE rate_cards (
    version                 bigint      PRIMARY KEY CHECK (version >= 1),
    zones                   jsonb       NOT NULL,
    prices                  jsonb       NOT NULL,
    currency                text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    volumetric_divisor      bigint      NOT NULL CHECK (volumetric_divisor > 0),
    default_shipping_method text        NOT NULL,
    effective_from          timestamptz NOT NULL,
    changed_by              text        NOT NULL,
    recorded_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rate_cards_in_force ON rate_cards (effective_from DESC, version DESC);

-- routes number the routes history exists for. seq is bumped, under the row's
-- lock, by every transaction that adds shipments to the route, and stamped on
-- those shipments: sequence numbers therefore become visible in commit order,
-- which lets the in-memory history load exact increments.
CREATE TABLE routes (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    route_key           text   NOT NULL UNIQUE,
    origin_country      text   NOT NULL,
    origin_region       text   NOT NULL,
    destination_country text   NOT NULL,
    destination_region  text   NOT NULL,
    seq                 bigint NOT NULL DEFAULT 0
);

-- shipments are the history: one row per completed shipment, never updated.
-- value_minor and freight_minor are in the base currency; the amounts as
-- reported are kept beside them.
CREATE TABLE shipments (
    shipment_id       text        PRIMARY KEY,
    route_id          bigint      NOT NULL REFERENCES routes (id),
    route_seq         bigint      NOT NULL,
    volume_cm3        bigint      NOT NULL CHECK (volume_cm3 > 0),
    weight_g          bigint      NOT NULL CHECK (weight_g > 0),
    value_minor       bigint      NOT NULL CHECK (value_minor >= 0),
    freight_minor     bigint      NOT NULL CHECK (freight_minor >= 0),
    completed_at      timestamptz NOT NULL,
    currency          text        NOT NULL,
    transaction_minor bigint      NOT NULL,
    goods_minor       bigint      NOT NULL,
    declared_currency text        NOT NULL,
    declared_minor    bigint      NOT NULL,
    rate_to_base      text        NOT NULL DEFAULT '',
    source            text        NOT NULL CHECK (source IN ('event', 'import')),
    recorded_at       timestamptz NOT NULL DEFAULT now()
);
-- A route's window, read in one index-only range scan when a route is loaded.
CREATE INDEX shipments_by_route_time ON shipments (route_id, completed_at)
    INCLUDE (volume_cm3, weight_g, value_minor, freight_minor, route_seq);
-- A route's increment since a sequence number.
CREATE INDEX shipments_by_route_seq ON shipments (route_id, route_seq);
-- Pruning of records older than twice the window.
CREATE INDEX shipments_by_completed_at ON shipments (completed_at);

-- rejected_shipments count the records refused as bad data (negative freight,
-- unknown codes, a missing rate), with the latest reason.
CREATE TABLE rejected_shipments (
    shipment_id       text        NOT NULL,
    source            text        NOT NULL CHECK (source IN ('event', 'import')),
    reason            text        NOT NULL,
    rejections        bigint      NOT NULL DEFAULT 1,
    first_rejected_at timestamptz NOT NULL,
    last_rejected_at  timestamptz NOT NULL,
    PRIMARY KEY (shipment_id, source)
);

-- +goose Down
DROP TABLE rejected_shipments;
DROP TABLE shipments;
DROP TABLE routes;
DROP TABLE rate_cards;
DROP TABLE route_multipliers;
DROP TABLE config_versions;
DROP TABLE settings;
