package app

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// ErrWaybillConflict is a partner having another waybill confirmed for the
// goods: connectors return it (any message), and the waybill is held.
var ErrWaybillConflict = apperr.FailedPrecondition("the partner has another waybill for these goods").WithReason("WAYBILL_CONFLICT")

// waybillBatch bounds the waybills one round confirms.
const waybillBatch = 100

// QueueWaybill is the orders.sub_order.shipped event of a partner's
// sub-order: its waybill is to be confirmed to the partner. Queued in the
// inbox's transaction, once per sub-order.
type QueueWaybill func(ctx context.Context, w Waybill) error

// confirmWaybills confirms due waybills to their partners, each exactly
// once: a partner answering "already confirmed with this waybill" is
// success; another waybill confirmed for the goods holds it for an
// operator; a partner that cannot be reached is tried again later.
func (t *Trade) confirmWaybills(ctx context.Context, byCode map[string]domain.Partner) error {
	due, err := t.store.DueWaybills(ctx, t.clock(), waybillBatch)
	if err != nil {
		return err
	}
	quiet := map[string]bool{}
	for _, w := range due {
		p, ok := byCode[w.PartnerCode]
		conn := t.connectors[p.Protocol].Shipments
		if !ok || conn == nil || quiet[w.PartnerCode] {
			// Not verified now, suspended or rate limited: later.
			w.DueAt = t.clock().Add(t.timing.Retry)
			if err := t.store.SaveWaybill(ctx, w); err != nil {
				return err
			}
			continue
		}
		if err := t.confirm(ctx, p, conn, w); err != nil {
			if errors.Is(err, context.Canceled) {
				return err
			}
			if retryable(err) {
				// Rate limited, down or hanging: its other waybills wait
				// for the next round, and the other partners' go now.
				quiet[w.PartnerCode] = true
			}
		}
	}
	return nil
}

// confirm sends one waybill and records the outcome.
func (t *Trade) confirm(ctx context.Context, p domain.Partner, conn ShipmentConnector, w Waybill) error {
	subs, err := t.store.SubOrdersOf(ctx, p.ID, w.PartnerOrderID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(subs, func(s ImportedSubOrder) bool { return s.SubOrderID == w.SubOrderID.String() })
	if i < 0 {
		// Shipped before docking recorded the import (placing answered
		// late): which of the partner's items travel is not known yet, and
		// confirming "every item" would claim the other parcels' goods.
		w.DueAt, w.LastError = t.clock().Add(t.timing.Retry), "the sub-order's import is not recorded yet"
		return t.store.SaveWaybill(ctx, w)
	}
	items := subs[i].ItemIDs
	if len(items) == 0 && len(subs) > 1 {
		// None of the partner's items paired with the sub-order's goods:
		// no item ids would confirm every item of ours, the other
		// parcels' goods too.
		w.Held, w.LastError = true, "none of the partner order's items is recorded as this sub-order's"
		t.log.Error("a shipped sub-order's items on the partner are not known; held for an operator", "partner", p.Code,
			"partner_order_id", w.PartnerOrderID, "sub_order_id", w.SubOrderID)
		return t.store.SaveWaybill(ctx, w)
	}
	already, err := conn.ConfirmShipment(ctx, p, domain.Shipment{PartnerOrderID: w.PartnerOrderID, ItemIDs: items, CarrierCode: w.CarrierCode, Waybill: w.Waybill})
	now := t.clock()
	w.Attempts++
	switch {
	case err == nil:
		w.ConfirmedAt, w.Already, w.LastError = &now, already, ""
	case errors.Is(err, ErrWaybillConflict):
		w.Held, w.LastError = true, err.Error()
		t.log.Error("the partner has another waybill for a shipped sub-order; held for an operator", "partner", p.Code,
			"partner_order_id", w.PartnerOrderID, "sub_order_id", w.SubOrderID, "error", err)
	default:
		w.LastError = err.Error()
		w.DueAt = now.Add(min(t.retryAfter(err)*time.Duration(1<<min(w.Attempts-1, 6)), time.Hour))
		_ = t.store.RecordFailure(ctx, p.ID, "waybill "+w.Waybill+": "+err.Error(), now, t.quiet(err))
	}
	if serr := t.store.SaveWaybill(ctx, w); serr != nil {
		return serr
	}
	return err
}
