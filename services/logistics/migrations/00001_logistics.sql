-- +goose Up

-- Carriers and their endpoints per environment. Credentials are written and
-- used, never returned by the API.
CREATE TABLE carriers (
    carrier_id  uuid PRIMARY KEY,
    code        text NOT NULL UNIQUE,
    name        text NOT NULL,
    endpoints   jsonb NOT NULL DEFAULT '[]',
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

CREATE TABLE shipping_methods (
    method_id                uuid PRIMARY KEY,
    carrier_id               uuid NOT NULL REFERENCES carriers,
    code                     text NOT NULL,
    name                     text NOT NULL,
    mode                     text NOT NULL CHECK (mode IN ('air', 'sea', 'express', 'ground')),
    handling_hours           int NOT NULL CHECK (handling_hours >= 0),
    domestic_km_per_day      int NOT NULL CHECK (domestic_km_per_day > 0),
    international_km_per_day int NOT NULL CHECK (international_km_per_day > 0),
    last_mile_km_per_day     int NOT NULL CHECK (last_mile_km_per_day > 0),
    zones                    text[] NOT NULL DEFAULT '{}',
    active                   boolean NOT NULL DEFAULT true,
    created_at               timestamptz NOT NULL,
    updated_at               timestamptz NOT NULL,
    UNIQUE (carrier_id, code)
);

-- One row per parcel. An outbound shipment is unique per sub-order, a return
-- per return request: the keys creation is idempotent on.
CREATE TABLE shipments (
    shipment_id      uuid PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('outbound', 'return')),
    sub_order_id     uuid NOT NULL,
    order_id         uuid NOT NULL,
    return_id        text NOT NULL DEFAULT '',
    buyer_id         text NOT NULL,
    supplier_org_id  uuid NOT NULL,
    method_id        uuid NOT NULL REFERENCES shipping_methods,
    carrier_id       uuid NOT NULL REFERENCES carriers,
    waybill          text,
    status           text NOT NULL,
    from_address     jsonb NOT NULL,
    to_address       jsonb NOT NULL,
    lines            jsonb NOT NULL,
    weight_g         bigint NOT NULL CHECK (weight_g > 0),
    volume_cm3       bigint NOT NULL CHECK (volume_cm3 >= 0),
    declared_minor   bigint NOT NULL,
    declared_currency text NOT NULL,
    goods_minor      bigint NOT NULL,
    goods_currency   text NOT NULL,
    reservation_id   text NOT NULL DEFAULT '',
    position_lat     double precision,
    position_lng     double precision,
    position_name    text NOT NULL DEFAULT '',
    position_at      timestamptz,
    leg              text NOT NULL DEFAULT '',
    last_event_at    timestamptz,
    last_event_seq   bigint NOT NULL DEFAULT 0,
    eta              timestamptz,
    created_at       timestamptz NOT NULL,
    picked_up_at     timestamptz,
    delivered_at     timestamptz,
    completed_at     timestamptz,
    cancelled_at     timestamptz,
    committed        boolean NOT NULL DEFAULT false,
    fingerprint      bytea NOT NULL,
    -- Through the central warehouse: the first booking (waybill) ends there,
    -- the onward one (onward_waybill, shared by the parcels consolidated
    -- with it under consolidation_id) goes on to the address.
    central_address  jsonb,
    stage            int NOT NULL DEFAULT 1 CHECK (stage IN (1, 2)),
    at_central_at    timestamptz,
    consolidation_id uuid,
    onward_waybill   text
);

CREATE UNIQUE INDEX shipments_outbound_key ON shipments (sub_order_id) WHERE kind = 'outbound';
CREATE UNIQUE INDEX shipments_return_key ON shipments (return_id) WHERE kind = 'return';
CREATE UNIQUE INDEX shipments_waybill ON shipments (carrier_id, waybill) WHERE waybill IS NOT NULL;
CREATE INDEX shipments_buyer ON shipments (buyer_id, created_at DESC, shipment_id);
CREATE INDEX shipments_supplier ON shipments (supplier_org_id, created_at DESC, shipment_id);
CREATE INDEX shipments_created ON shipments (created_at DESC, shipment_id);
-- The workers' queues: bookings to retry, stock to commit.
CREATE INDEX shipments_unbooked ON shipments (created_at) WHERE waybill IS NULL AND status = 'booked';
CREATE INDEX shipments_consolidation ON shipments (consolidation_id) WHERE consolidation_id IS NOT NULL;
-- Parcels waiting at the central warehouse for their onward booking.
CREATE INDEX shipments_at_central ON shipments (at_central_at) WHERE stage = 1 AND at_central_at IS NOT NULL AND onward_waybill IS NULL;
CREATE INDEX shipments_to_commit ON shipments (picked_up_at) WHERE picked_up_at IS NOT NULL AND NOT committed AND reservation_id <> '';

-- Every tracking event a carrier reported, applied or not, once per carrier
-- event id.
CREATE TABLE tracking_events (
    carrier_id      uuid NOT NULL,
    event_id        text NOT NULL,
    shipment_id     uuid NOT NULL REFERENCES shipments,
    occurred_at     timestamptz NOT NULL,
    seq             bigint NOT NULL,
    status          text NOT NULL,
    leg             text NOT NULL,
    location_name   text NOT NULL,
    lat             double precision,
    lng             double precision,
    description     text NOT NULL,
    applied         boolean NOT NULL,
    received_at     timestamptz NOT NULL,
    -- One event of a consolidated booking is recorded for each of its parcels.
    PRIMARY KEY (carrier_id, event_id, shipment_id)
);

CREATE INDEX tracking_events_shipment ON tracking_events (shipment_id, occurred_at, seq);

-- Freight charges the carriers confirmed, one per leg, paid from escrow once.
CREATE TABLE freight_legs (
    leg_id        text PRIMARY KEY,
    carrier_id    uuid NOT NULL,
    shipment_id   uuid NOT NULL REFERENCES shipments,
    kind          text NOT NULL,
    amount_minor  bigint NOT NULL CHECK (amount_minor > 0),
    currency      text NOT NULL,
    confirmed_at  timestamptz NOT NULL,
    event_id      text NOT NULL,
    paid_at       timestamptz,
    -- Set when finance refused the payment for good (the escrow settled, say):
    -- the leg is not offered again; an operator sees why.
    refused_at    timestamptz,
    refusal       text NOT NULL DEFAULT ''
);

CREATE INDEX freight_legs_shipment ON freight_legs (shipment_id);
CREATE INDEX freight_legs_unpaid ON freight_legs (confirmed_at) WHERE paid_at IS NULL AND refused_at IS NULL;

-- How far each carrier's event feed has been read.
CREATE TABLE carrier_cursors (
    carrier_id  uuid PRIMARY KEY REFERENCES carriers,
    after_seq   bigint NOT NULL,
    updated_at  timestamptz NOT NULL
);

-- +goose Down
DROP TABLE carrier_cursors;
DROP TABLE freight_legs;
DROP TABLE tracking_events;
DROP TABLE shipments;
DROP TABLE shipping_methods;
DROP TABLE carriers;
