-- +goose Up

-- A sub-order whose goods come to nothing at settlement (all of them
-- returned, or a coupon of the supplier's took off their whole price)
-- settles at 0, and its escrow short of the freight the platform advanced
-- opens a top-up request of goods 0. Before, goods of 0 were refused, and
-- such a sub-order was never settled nor its advanced freight billed.
ALTER TABLE topup_requests DROP CONSTRAINT topup_requests_goods_minor_check;
ALTER TABLE topup_requests ADD CONSTRAINT topup_requests_goods_minor_check CHECK (goods_minor >= 0) NOT VALID;
ALTER TABLE topup_requests VALIDATE CONSTRAINT topup_requests_goods_minor_check;

-- +goose Down
ALTER TABLE topup_requests DROP CONSTRAINT topup_requests_goods_minor_check;
ALTER TABLE topup_requests ADD CONSTRAINT topup_requests_goods_minor_check CHECK (goods_minor > 0) NOT VALID;
