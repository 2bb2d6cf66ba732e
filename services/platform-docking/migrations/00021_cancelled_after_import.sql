-- +goose Up

-- Partner orders cancelled on the partner after their import were, before
-- this version, only flagged for an operator ("after import: cancelled on
-- the partner"). This version cancels such an order here, once per status
-- read: each flagged one is read again, so it is cancelled like the ones
-- that come after. One whose id is longer than a pull request holds (128
-- characters; no partner's is) stays flagged for an operator.
INSERT INTO pull_requests (partner_id, partner_order_id, requested_at, due_at)
SELECT partner_id, partner_order_id, now(), now() FROM partner_orders
WHERE state = 'imported' AND problem = 'after import: cancelled on the partner'
  AND length(partner_order_id) BETWEEN 1 AND 128 -- a pull request's bound
ON CONFLICT (partner_id, partner_order_id) DO NOTHING;

-- +goose Down
SELECT 1;
