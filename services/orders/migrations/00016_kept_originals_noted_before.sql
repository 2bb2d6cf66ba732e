-- +goose Up

-- Exchanges whose buyer kept the original (its return parcel cancelled, or
-- brought back to the buyer) were only noted so in the change log before
-- 00015 gave them original_kept, and read as not kept: should such an
-- exchange's replacement come back to its supplier, it became an approved
-- return waiting ORDERS_RETURN_SEND_BY for an original that is not coming,
-- then expired. The note ("exchange <id>: ... the buyer kept ...", written
-- by the service itself) marks them.
UPDATE after_sales a SET original_kept = true
WHERE a.kind = 'exchange' AND NOT a.original_kept AND NOT a.received
  AND EXISTS (SELECT 1 FROM order_changes c
              WHERE c.order_id = a.order_id AND c.actor_kind = 'system'
                AND c.reason LIKE 'exchange ' || a.id::text || ': %the buyer kept%');

-- +goose Down
-- Nothing to undo: the flag holds for the code before this migration too.
SELECT 1;
