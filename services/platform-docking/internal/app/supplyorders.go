package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// supplyOrderBatch is how many due purchase orders one round works.
const supplyOrderBatch = 100

// maxSupplyBackoff caps the wait between placement attempts.
const maxSupplyBackoff = time.Hour

// workSupplyOrders places the queued sub-orders whose time has come and
// reads placed ones back for their waybill. A platform rate limiting us is
// left alone for as long as it asked, one down or timing out for Retry
// (quiet lists the platforms already quiet this round): its orders are not
// read, so however many of them are due they hold up no other platform's.
func (s *Supply) workSupplyOrders(ctx context.Context, platforms map[uuid.UUID]domain.SupplyPlatform, quiet map[uuid.UUID]bool) error {
	var workable []uuid.UUID
	for id := range platforms {
		if !quiet[id] {
			workable = append(workable, id)
		}
	}
	if len(workable) == 0 {
		return nil
	}
	due, err := s.store.DueSupplyOrders(ctx, s.clock(), supplyOrderBatch, workable)
	if err != nil {
		return err
	}
	var errs []error
	// The platforms' SKU codes by catalogue SKU id, read once per round.
	codes := map[uuid.UUID]map[string]string{}
	for _, o := range due {
		p, ok := platforms[o.PlatformID]
		if !ok || quiet[o.PlatformID] {
			continue
		}
		var err error
		switch o.State {
		case SupplyQueued:
			if o.CancelRequestedAt != nil && o.AccountID == "" {
				err = s.cancelled(ctx, o, "") // no call left for the platform: nothing there
				break
			}
			if codes[p.ID] == nil {
				if codes[p.ID], err = s.skuCodes(ctx, p.ID); err != nil {
					return errors.Join(append(errs, err)...)
				}
			}
			err = s.place(ctx, p, o, codes[p.ID])
		case SupplyPlaced:
			if o.CancelRequestedAt != nil {
				err = s.cancelAtPlatform(ctx, p, o)
				break
			}
			err = s.track(ctx, p, o)
		}
		if after, limited := RetryAfter(err); limited {
			quiet[p.ID] = true
			errs = append(errs, s.store.RecordSupplyFailure(ctx, p.ID, "purchase orders: "+err.Error(), s.clock(), s.clock().Add(max(after, time.Second))))
			continue
		}
		if errors.Is(err, errPlatformAway) {
			// Down or timing out: one order found it so. The platform is
			// left alone for Retry, this round and the next ones, as one
			// rate limiting us is: otherwise each of its due orders would
			// cost a timeout while every other platform waits, and, the
			// oldest due, they would fill every round's batch and keep
			// the other platforms' orders out of it.
			now := s.clock()
			quiet[p.ID] = true
			errs = append(errs, s.store.RecordSupplyFailure(ctx, p.ID, "purchase orders: "+err.Error(), now, now.Add(max(s.timing.Retry, time.Second))))
			err = withoutAway(err)
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// place places one sub-order with the platform under its merchant's
// account, the default account otherwise. The account is fixed at the
// first attempt and the sub-order id is the platform's idempotency key, so
// a retry after a lost answer or a crash answers the order the first
// attempt placed.
func (s *Supply) place(ctx context.Context, p domain.SupplyPlatform, o SupplyOrder, codes map[string]string) error {
	now := s.clock()
	if o.AccountID == "" {
		// Nothing has left for the platform yet: a sub-order cancelled
		// before its purchase order was queued (its cancellation handled
		// first) is not placed at all.
		sub, err := s.shipments.SubOrder(ctx, o.SubOrderID)
		switch {
		case err == nil && sub.Status == SubOrderCancelled:
			return s.cancelled(ctx, o, "the sub-order was cancelled before its purchase order was placed")
		case retryable(err):
			o.Attempts++
			o.Problem, o.UpdatedAt, o.DueAt = "reading the sub-order at orders: "+err.Error(), now, now.Add(s.backoff(o.Attempts, err))
			return s.store.SaveSupplyOrder(ctx, o)
		case err != nil:
			return s.hold(ctx, o, "orders does not answer the sub-order: "+err.Error())
		}
		// Fixed before the first call leaves: were docking to stop after the
		// platform took the order, a later attempt must still go to this
		// account, even once an edit routes the merchant elsewhere.
		o.AccountID, o.UpdatedAt = p.AccountFor(o.MerchantOrgID).AccountID, now
		if err := s.store.SaveSupplyOrder(ctx, o); err != nil {
			return err
		}
	}
	account, ok := p.AccountByID(o.AccountID)
	if !ok {
		return s.hold(ctx, o, "account "+o.AccountID+" is no longer registered with the platform")
	}
	lines, err := domain.PurchaseLines(o.Lines, codes)
	if err != nil {
		return s.hold(ctx, o, err.Error())
	}
	o.Attempts++
	po, err := s.client.PlaceOrder(ctx, p, account, o.SubOrderID.String(), lines)
	switch {
	case err == nil:
		o.State, o.PlatformOrderID, o.PlatformStatus, o.Problem = SupplyPlaced, po.ID, po.Status, ""
		o.PlacedAt, o.UpdatedAt, o.DueAt = &now, now, now.Add(s.timing.TrackEvery)
		s.log.Info("sub-order placed with a supply platform", "platform", p.Code, "sub_order", o.SubOrderID, "account", o.AccountID, "platform_order", po.ID)
		if err := s.store.SaveSupplyOrder(ctx, o); err != nil || o.CancelRequestedAt == nil {
			return err
		}
		// Placed again only to learn the order an earlier attempt may
		// have left there (the reference answers it): it is cancelled.
		return s.cancelAtPlatform(ctx, p, o)
	case retryable(err):
		o.Problem, o.UpdatedAt, o.DueAt = err.Error(), now, now.Add(s.backoff(o.Attempts, err))
		return errors.Join(s.store.SaveSupplyOrder(ctx, o), forNow(err))
	case o.CancelRequestedAt != nil:
		return s.cancelled(ctx, o, "the platform holds no order for it: "+err.Error())
	default:
		return s.hold(ctx, o, "the platform refused the order: "+err.Error())
	}
}

// cancelAtPlatform cancels the platform's order of a sub-order cancelled
// here. An order the platform shipped first (or refuses to cancel) is held
// for an operator: goods are on their way for a sub-order whose buyer was
// refunded.
func (s *Supply) cancelAtPlatform(ctx context.Context, p domain.SupplyPlatform, o SupplyOrder) error {
	now := s.clock()
	account, ok := p.AccountByID(o.AccountID)
	if !ok {
		return s.hold(ctx, o, "account "+o.AccountID+" is no longer registered with the platform; its order for this cancelled sub-order is not cancelled")
	}
	po, err := s.client.CancelOrder(ctx, p, account, o.PlatformOrderID)
	switch {
	case err == nil:
		o.PlatformStatus = po.Status
		return s.cancelled(ctx, o, "")
	case retryable(err):
		o.Attempts++
		o.Problem, o.UpdatedAt, o.DueAt = "cancelling at the platform: "+err.Error(), now, now.Add(s.backoff(o.Attempts, err))
		return errors.Join(s.store.SaveSupplyOrder(ctx, o), forNow(err))
	default:
		return s.hold(ctx, o, "the sub-order was cancelled, and the platform refused to cancel its order: "+err.Error())
	}
}

// cancelled records a cancelled sub-order's purchase order as cancelled:
// at the platform, or never placed there (note says why).
func (s *Supply) cancelled(ctx context.Context, o SupplyOrder, note string) error {
	s.log.Info("a cancelled sub-order's supply order is cancelled", "sub_order", o.SubOrderID, "platform_order", o.PlatformOrderID, "note", note)
	o.State, o.Problem, o.UpdatedAt = SupplyCancelled, note, s.clock()
	return s.store.SaveSupplyOrder(ctx, o)
}

// skuCodes returns a platform's SKU codes by catalogue SKU id.
func (s *Supply) skuCodes(ctx context.Context, platformID uuid.UUID) (map[string]string, error) {
	imported, err := s.store.ImportedSKUCodes(ctx, platformID)
	if err != nil {
		return nil, err
	}
	codes := make(map[string]string, len(imported))
	for code, id := range imported {
		codes[id.String()] = code
	}
	return codes, nil
}

// track reads a placed order back; once shipped its carrier and waybill
// are recorded, and the local sub-order is shipped with them. The order is
// shipped here only once orders has recorded the waybill: orders
// unreachable, the next round reads the platform and tells orders again
// (the same waybill is harmless there); orders refusing it (the sub-order
// cancelled meanwhile) holds it for an operator.
func (s *Supply) track(ctx context.Context, p domain.SupplyPlatform, o SupplyOrder) error {
	now := s.clock()
	account, ok := p.AccountByID(o.AccountID)
	if !ok {
		return s.hold(ctx, o, "account "+o.AccountID+" is no longer registered with the platform")
	}
	po, err := s.client.GetOrder(ctx, p, account, o.PlatformOrderID)
	if err != nil {
		o.Problem, o.UpdatedAt, o.DueAt = err.Error(), now, now.Add(s.backoff(1, err))
		return errors.Join(s.store.SaveSupplyOrder(ctx, o), forNow(err))
	}
	o.PlatformStatus, o.Problem, o.UpdatedAt, o.DueAt = po.Status, "", now, now.Add(s.timing.TrackEvery)
	if po.Status == PurchaseCancelled {
		// Cancelled by the platform itself (an item it cannot supply): the
		// goods will not come from it. Before, it was read again for good
		// as not shipped yet, and the sub-order waited with nobody told.
		return s.hold(ctx, o, "the platform cancelled the order: the sub-order's goods will not come from it")
	}
	if po.Status != PurchaseShipped || po.Waybill == "" {
		return s.store.SaveSupplyOrder(ctx, o)
	}
	o.CarrierCode, o.Waybill = po.CarrierCode, po.Waybill
	switch _, err := s.shipments.RecordExternalShipment(ctx, p.SupplierOrgID, o.SubOrderID, po.CarrierCode, po.Waybill); {
	case err == nil:
		o.State = SupplyShipped
		s.log.Info("a supply platform shipped a sub-order", "platform", p.Code, "sub_order", o.SubOrderID, "waybill", po.Waybill)
	case retryable(err):
		o.Problem, o.DueAt = "orders did not record the shipment: "+err.Error(), now.Add(s.backoff(1, err))
	default:
		return s.hold(ctx, o, "orders refused the platform's shipment: "+err.Error())
	}
	return s.store.SaveSupplyOrder(ctx, o)
}

func (s *Supply) hold(ctx context.Context, o SupplyOrder, problem string) error {
	s.log.Warn("a supply order is held for an operator", "sub_order", o.SubOrderID, "problem", problem)
	o.State, o.Problem, o.UpdatedAt = SupplyHeld, problem, s.clock()
	return s.store.SaveSupplyOrder(ctx, o)
}

// backoff is the wait before attempt n+1: what a rate limit asked, or
// Retry doubling per attempt up to an hour.
func (s *Supply) backoff(attempts int, err error) time.Duration {
	if after, ok := RetryAfter(err); ok {
		return max(after, time.Second)
	}
	d := s.timing.Retry
	for i := 1; i < attempts && d < maxSupplyBackoff; i++ {
		d *= 2
	}
	return min(d, maxSupplyBackoff)
}

// forNow is what a failed call to the platform, recorded on its order,
// tells the round: a rate limit as it is (it quiets the platform for as
// long as it asked), a failure for now (down, timing out) errPlatformAway,
// which quiets it for the rest of the round, and anything else (this
// order's own: not found, refused) nothing, so one order's trouble
// quiets nobody else's.
func forNow(err error) error {
	if _, ok := RetryAfter(err); ok {
		return err
	}
	if retryable(err) {
		return errPlatformAway
	}
	return nil
}

// errPlatformAway marks a supply platform failing for now; the failure
// itself is recorded on the order that met it.
var errPlatformAway = errors.New("the supply platform failed for now")

// withoutAway is err without errPlatformAway: what else went wrong (the
// order's record not saved, say), or nil.
func withoutAway(err error) error {
	if err == errPlatformAway {
		return nil
	}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var rest []error
		for _, e := range joined.Unwrap() {
			if e != errPlatformAway {
				rest = append(rest, e)
			}
		}
		return errors.Join(rest...)
	}
	return err
}

// errString formats a job's failure for operators.
func errString(job string, err error) string { return fmt.Sprintf("%s: %v", job, err) }
