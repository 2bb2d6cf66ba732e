-- +goose Up

-- A declined intent stays payable with another card until it is canceled:
-- a failed top-up is asked about until its intent is closed. intent_closed
-- marks one whose intent the provider reports canceled (the top-up checks
-- cancel a declined intent once its day of watching is over); the checks
-- pass over it from then on. Failed top-ups made before this migration are
-- open: the checks cancel their intents in their turn.
ALTER TABLE top_ups ADD COLUMN intent_closed boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE top_ups DROP COLUMN intent_closed;
