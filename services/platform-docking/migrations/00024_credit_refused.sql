-- +goose Up

-- credit_refused_at is when finance last refused a matched or accepted
-- line's credit for good. The rounds credit the lines due oldest first, a
-- batch at a time; a refused line stays due, and before this enough of them
-- at the head of the queue filled every batch, so the lines behind them
-- were never credited. Lines refused go behind the ones never refused, the
-- one refused longest ago first. A nullable column without a default: no
-- table rewrite.
ALTER TABLE settlement_lines ADD COLUMN credit_refused_at timestamptz;

-- +goose Down
ALTER TABLE settlement_lines DROP COLUMN credit_refused_at;
