-- +goose Up

-- Every write of an order counts up its version (its sub-orders are only
-- ever written with it), so a command that read the order without its lock
-- can write its outcome in one round trip on the condition that nothing
-- wrote the order since (orders_expect_version), and redo the command under
-- the lock when something did.
ALTER TABLE orders ADD COLUMN version bigint NOT NULL DEFAULT 0;

-- orders_expect_version locks the order at the version expected, or fails
-- the statement (and the rest of its transaction) with SQLSTATE 40001, the
-- code of a write lost to a concurrent one.
-- +goose StatementBegin
CREATE FUNCTION orders_expect_version(p_order uuid, p_version bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	PERFORM 1 FROM orders WHERE id = p_order AND version = p_version FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'order % was written since version %', p_order, p_version USING ERRCODE = 'serialization_failure';
	END IF;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION orders_expect_version(uuid, bigint);
ALTER TABLE orders DROP COLUMN version;
