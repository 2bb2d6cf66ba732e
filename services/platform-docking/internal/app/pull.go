package app

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// pullOrders reads one window of a partner's orders, page by page, and
// takes each order once: a paid one is placed as a local order (placing is
// idempotent on the partner order, and the pulled order is recorded after
// it, so a crash in between places nothing twice), an unknown status is
// held for an operator. The watermark moves to the window's end only after
// every order of the window is stored: a failure leaves it, and the next
// round reads the window again.
func (t *Trade) pullOrders(ctx context.Context, p domain.Partner, conn OrderConnector) error {
	st, err := t.store.PullState(ctx, p.ID, t.start(p))
	if err != nil {
		return err
	}
	now := t.clock()
	w, ok := t.timing.Pull.Window(st.Watermark, now)
	if !ok {
		return nil
	}
	page := ""
	for {
		res, err := conn.ListOrders(ctx, p, w, page)
		if err != nil {
			return err
		}
		for _, o := range res.Orders {
			if err := t.take(ctx, p, o); err != nil {
				return fmt.Errorf("partner order %s: %w", o.ID, err)
			}
		}
		if res.Next == "" {
			break
		}
		page = res.Next
	}
	return t.store.SaveOrderWatermark(ctx, p.ID, w.To, t.clock())
}

// start is where a partner's first pull begins.
func (t *Trade) start(p domain.Partner) time.Time {
	from := p.CreatedAt
	if p.VerifiedAt != nil && p.VerifiedAt.Before(from) {
		from = *p.VerifiedAt
	}
	return from.Add(-t.timing.Lookback)
}

// pullOne reads one partner order with GetOrder and takes it (a partner's
// webhook, an operator).
func (t *Trade) pullOne(ctx context.Context, p domain.Partner, conn OrderConnector, orderID string) error {
	o, err := conn.GetOrder(ctx, p, orderID)
	if err != nil {
		return err
	}
	return t.take(ctx, p, o)
}

// take records one pulled order and places it when it is paid and new.
func (t *Trade) take(ctx context.Context, p domain.Partner, o domain.PartnerOrder) error {
	decision, lines, problem := domain.Decide(o)
	if decision == domain.Ignore {
		return nil
	}
	prev, seen, err := t.store.GetPulledOrder(ctx, p.ID, o.ID)
	if err != nil {
		return err
	}
	now := t.clock()
	rec := PulledOrder{PartnerID: p.ID, PartnerOrderID: o.ID, PartnerStatus: o.RawStatus, Raw: o.Raw,
		PartnerUpdatedAt: o.UpdatedAt, FirstSeenAt: now, UpdatedAt: now}
	if seen {
		rec.FirstSeenAt = prev.FirstSeenAt
		if prev.State == PulledImported {
			// Imported once is imported for good; later versions of the
			// order are kept, and a status we do not know still alerts.
			rec.State, rec.OrderID = PulledImported, prev.OrderID
			if decision == domain.Hold || o.Status == domain.OrderCancelled {
				rec.Problem = "after import: " + orEmpty(problem, "cancelled on the partner")
				t.log.Error("a partner order changed after its import in a way docking cannot follow", "partner", p.Code, "partner_order_id", o.ID, "status", o.RawStatus)
			}
			return t.store.SavePulledOrder(ctx, rec, nil)
		}
	}
	switch decision {
	case domain.Wait:
		rec.State = PulledWaiting
		return t.store.SavePulledOrder(ctx, rec, nil)
	case domain.Hold:
		rec.State, rec.Problem = PulledHeld, problem
		t.log.Error("a partner order is held for an operator", "partner", p.Code, "partner_order_id", o.ID, "status", o.RawStatus, "problem", problem)
		return t.store.SavePulledOrder(ctx, rec, nil)
	}
	placed, err := t.orders.PlaceExternal(ctx, ExternalOrder{Channel: domain.Channel(p.Code), ExternalOrderID: o.ID,
		BuyerRef: orEmpty(o.BuyerRef, "unknown"), Lines: lines, Address: o.Address})
	if err != nil {
		if !refusedForGood(err) {
			return err
		}
		rec.State, rec.Problem = PulledHeld, "the order cannot be placed: "+err.Error()
		t.log.Error("a paid partner order cannot be placed; held for an operator", "partner", p.Code, "partner_order_id", o.ID, "error", err)
		return t.store.SavePulledOrder(ctx, rec, nil)
	}
	rec.State, rec.OrderID = PulledImported, &placed.OrderID
	return t.store.SavePulledOrder(ctx, rec, importedSubOrders(o, placed))
}

// refusedForGood tells an order the mesh will never take (bad input, goods
// not on sale) from a failure worth retrying.
func refusedForGood(err error) bool {
	switch apperr.KindOf(err) {
	case apperr.KindInvalid, apperr.KindFailedPrecondition, apperr.KindNotFound:
		return true
	}
	return false
}

// importedSubOrders pairs the local sub-orders with the partner's items
// that travel in each.
func importedSubOrders(o domain.PartnerOrder, placed PlacedOrder) []ImportedSubOrder {
	out := make([]ImportedSubOrder, len(placed.SubOrders))
	for i, sub := range placed.SubOrders {
		out[i] = ImportedSubOrder{SettledSubOrder: sub.SettledSubOrder, ItemIDs: []string{}}
		for _, it := range o.Items {
			if sku, ok := domain.SKUOfMarker(it.Marker); ok && slices.Contains(sub.SKUIDs, sku) {
				out[i].ItemIDs = append(out[i].ItemIDs, it.ItemID)
			}
		}
	}
	return out
}

func orEmpty(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
