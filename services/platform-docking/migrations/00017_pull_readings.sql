-- +goose Up

-- The rest of a window a partner's pull read part of before failing, per
-- kind of window (orders, settlements, payouts): the next pull reads on
-- from reading_from to reading_to instead of the window's start, so a long
-- window at a partner failing a share of its calls still moves on. Saving
-- the kind's watermark deletes its row.
CREATE TABLE pull_readings (
    partner_id   uuid NOT NULL REFERENCES partners,
    kind         text NOT NULL CHECK (kind IN ('orders', 'settlements', 'payouts')),
    reading_from timestamptz NOT NULL,
    reading_to   timestamptz NOT NULL CHECK (reading_to > reading_from),
    PRIMARY KEY (partner_id, kind)
);

-- +goose Down
DROP TABLE pull_readings;
