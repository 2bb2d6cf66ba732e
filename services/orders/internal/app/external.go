package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// MaxExternalOrders bounds one PlaceExternalOrders call: a partner's page.
const MaxExternalOrders = 100

// ExternalOrderInput is an order a partner channel sold, as docking pulled
// it.
type ExternalOrderInput struct {
	Channel, ExternalOrderID, BuyerRef string
	Lines                              []domain.CartLine
	Address                            *domain.Address
	// UnitPrices are what the partner's buyer paid for a unit of each
	// line, one per line; none prices the lines at the catalogue's prices.
	UnitPrices []money.Money
	// ExistingOnly answers only an order placed before: one never placed
	// is NotFound (reason EXTERNAL_ORDER_NOT_PLACED) and nothing is placed.
	ExistingOnly bool
}

// ExternalOrderResult is one partner order's answer: the local order
// (Replayed when it existed already) or why it was refused.
type ExternalOrderResult struct {
	Order    domain.Order
	Replayed bool
	Err      error
}

// PlaceExternalOrder creates an already-paid order from a partner channel:
// the same split, stock reserved for fulfilment, no freight estimate and no
// wallet (its money arrives by the partner's settlement). Idempotent on
// (channel, external order id); with ExistingOnly it only looks the order
// up.
func (s *Service) PlaceExternalOrder(ctx context.Context, c auth.Caller, in ExternalOrderInput) (domain.Order, bool, error) {
	res, err := s.PlaceExternalOrders(ctx, c, []ExternalOrderInput{in})
	if err != nil {
		return domain.Order{}, false, err
	}
	return res[0].Order, res[0].Replayed, res[0].Err
}

// PlaceExternalOrders is PlaceExternalOrder for a page of partner orders,
// each answered on its own. Its cost does not grow with the page the way
// single calls do: the orders placed before are read at once, the SKUs
// with one catalogue read, the stock with one inventory call, and the new
// orders committed in one transaction (one disk flush). A partner order
// listed twice is placed once; the second answer is the first's replay.
func (s *Service) PlaceExternalOrders(ctx context.Context, c auth.Caller, ins []ExternalOrderInput) ([]ExternalOrderResult, error) {
	if !c.IsService() {
		return nil, ErrServicesOnly
	}
	if len(ins) > MaxExternalOrders {
		return nil, apperr.InvalidField("orders", fmt.Sprintf("at most %d per call", MaxExternalOrders))
	}
	out := make([]ExternalOrderResult, len(ins))
	ids := make([]uuid.UUID, len(ins))
	first := map[uuid.UUID]int{}
	var todo []int
	for i, in := range ins {
		if out[i].Err = checkExternal(in); out[i].Err != nil {
			continue
		}
		ids[i] = domain.OrderID(in.Channel, "", in.ExternalOrderID)
		if _, dup := first[ids[i]]; !dup {
			first[ids[i]] = i
			todo = append(todo, i)
		}
	}
	todo, err := s.replayExisting(ctx, ids, todo, out)
	if err != nil {
		return nil, err
	}
	todo = slices.DeleteFunc(todo, func(i int) bool {
		if ins[i].ExistingOnly {
			out[i].Err = apperr.NotFound("external order", ins[i].ExternalOrderID).WithReason("EXTERNAL_ORDER_NOT_PLACED")
		}
		return ins[i].ExistingOnly
	})
	placed, err := s.draftExternal(ctx, ins, ids, todo, out)
	if err != nil {
		return nil, err
	}
	s.commitExternal(ctx, c, placed, out)
	for i := range ins {
		if j, ok := first[ids[i]]; ok && j != i {
			out[i] = out[j]
			out[i].Replayed = out[i].Err == nil
		}
	}
	return out, nil
}

// checkExternal is one partner order's input check.
func checkExternal(in ExternalOrderInput) error {
	var v apperr.Violations
	if in.Channel == domain.OwnStore || !strings.HasPrefix(in.Channel, "partner:") || len(in.Channel) > 64 ||
		strings.ContainsFunc(in.Channel, unicode.IsControl) {
		v.Add("channel", `must be a partner channel such as "partner:dh"`)
	}
	domain.CheckCheckoutID(&v, "external_order_id", in.ExternalOrderID)
	apperr.CheckText(&v, "buyer_ref", in.BuyerRef, 1, 200)
	checkShape(&v, in.Address, in.Lines, domain.CheckAddress)
	return v.Err()
}

// replayExisting answers the orders placed before with what they are and
// returns the others.
func (s *Service) replayExisting(ctx context.Context, ids []uuid.UUID, todo []int, out []ExternalOrderResult) ([]int, error) {
	if len(todo) == 0 {
		return nil, nil
	}
	want := make([]uuid.UUID, len(todo))
	for k, i := range todo {
		want[k] = ids[i]
	}
	found, err := s.store.GetOrders(ctx, want)
	if err != nil {
		return nil, err
	}
	left := todo[:0]
	for _, i := range todo {
		if o, ok := found[ids[i]]; ok {
			out[i] = ExternalOrderResult{Order: o, Replayed: true}
			continue
		}
		left = append(left, i)
	}
	return left, nil
}

// draftExternal prices and splits the new orders with one catalogue read
// and holds their stock with one inventory call; it returns the orders
// held, in the order of their ids (concurrent calls then insert the same
// orders in the same order). An order refused gets its error; one refused
// for any reason but stock short gives back whatever it held (see below).
func (s *Service) draftExternal(ctx context.Context, ins []ExternalOrderInput, ids []uuid.UUID, todo []int, out []ExternalOrderResult) ([]pending, error) {
	if len(todo) == 0 {
		return nil, nil
	}
	var skuIDs []uuid.UUID
	for _, i := range todo {
		for _, l := range ins[i].Lines {
			skuIDs = append(skuIDs, l.SKUID)
		}
	}
	skus, err := s.Catalog.SKUs(ctx, skuIDs)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	var orders []pending
	var holds []Hold
	var holder []int
	for _, i := range todo {
		in := ins[i]
		drafts, err := splitExternal(in, skus)
		if err != nil {
			out[i].Err = err
			continue
		}
		addresses, err := domain.AssignAddresses(drafts, in.Address, nil, "")
		if err != nil {
			out[i].Err = err
			continue
		}
		o := domain.Order{
			ID: ids[i], BuyerID: in.Channel + "/" + in.BuyerRef, CheckoutID: in.ExternalOrderID, Channel: in.Channel, ExternalOrderID: in.ExternalOrderID,
			Status: domain.Paid, Currency: drafts[0].Goods.Currency, Quotes: map[string]string{}, PaymentDueAt: now, PlacedAt: now, PaidAt: &now, UpdatedAt: now,
		}
		for k, d := range drafts {
			sub := newSubOrder(o, k, d, addresses[k], now)
			sub.PaidAt = &now
			if sub.Goods.Currency == o.Currency {
				// What the partner's buyer paid for these goods: no
				// freight is charged through us.
				sub.BuyerAmount = sub.Goods.Amount
				o.Total += sub.BuyerAmount
			}
			o.SubOrders = append(o.SubOrders, sub)
			holds = append(holds, Hold{Key: sub.ID, Lines: sub.Lines, TTL: s.cfg.FulfilmentHold})
			holder = append(holder, i)
		}
		orders = append(orders, pending{i: i, order: o})
	}
	if len(holds) == 0 {
		return orders, nil
	}
	answers, err := s.Inventory.ReserveMany(ctx, holds)
	if err != nil {
		return nil, err
	}
	// A partner order short of stock keeps what its other sub-orders hold:
	// its id (so its sub-orders' ids, the holds' keys) cannot change, and a
	// hold given back is answered as given back ever after, so releasing
	// them would refuse its retry after a restock for good. Its holds serve
	// that retry, or lapse with their time.
	// A refusal for good other than stock short gives back what the order
	// holds (abandon), whatever else its sub-orders were answered: its
	// retries would be refused anyway. A passing failure beside a stock
	// shortage keeps the holds for the order's retry.
	giveBack := map[int]error{}
	for k, a := range answers {
		i := holder[k]
		if a.Err == nil && !a.Held {
			a.Err = ErrCheckoutReleased.WithMetadata("checkout_id", ins[i].ExternalOrderID)
		}
		if a.Err != nil && !errors.Is(a.Err, errStockShort) && (giveBack[i] == nil || !givesUp(giveBack[i])) {
			giveBack[i] = a.Err
		}
		if a.Err != nil && out[i].Err == nil {
			out[i].Err = a.Err
		}
	}
	held := orders[:0]
	for _, p := range orders {
		if out[p.i].Err != nil {
			if cause := giveBack[p.i]; cause != nil {
				s.abandon(ctx, p.order, cause)
			}
			continue
		}
		held = append(held, p)
	}
	slices.SortFunc(held, func(a, b pending) int { return bytes.Compare(a.order.ID[:], b.order.ID[:]) })
	return held, nil
}

// splitExternal prices a partner order's lines, at the partner's prices
// when it sent them, and splits them into sub-order drafts.
func splitExternal(in ExternalOrderInput, skus map[uuid.UUID]domain.SKU) ([]domain.SubOrderDraft, error) {
	lines, err := domain.Resolve(in.Lines, skus)
	if err == nil && len(in.UnitPrices) > 0 {
		lines, err = domain.PriceAt(lines, in.UnitPrices)
	}
	if err != nil {
		return nil, err
	}
	drafts, err := domain.Split(lines)
	if err != nil {
		return nil, err
	}
	// A partner's order is paid in one currency, and its total is counted
	// in it: priced from the catalogue, suppliers pricing in different
	// currencies would leave some sub-orders out of it, at nothing.
	if slices.ContainsFunc(drafts, func(d domain.SubOrderDraft) bool { return d.Goods.Currency != drafts[0].Goods.Currency }) {
		return nil, apperr.InvalidField("lines", "must be priced in one currency: send the partner's unit_prices, or lines of suppliers pricing in one currency")
	}
	return drafts, nil
}

// errStockShort matches inventory's refusal of a hold the stock cannot
// cover: nothing was reserved for it.
var errStockShort = apperr.FailedPrecondition("insufficient stock").WithReason("INSUFFICIENT_STOCK")

// pending is a new partner order held and not stored yet; i is its index
// in the call.
type pending struct {
	i     int
	order domain.Order
}

// commitExternal stores the held orders in one transaction, each with its
// changes and its orders.order.paid; an order a concurrent call stored
// first is answered as a replay. When the transaction fails every order in
// it gets the failure.
func (s *Service) commitExternal(ctx context.Context, c auth.Caller, placed []pending, out []ExternalOrderResult) {
	if len(placed) == 0 {
		return
	}
	now := s.clock()
	by := domain.Actor{Kind: domain.ActorSystem, ID: c.Subject}
	raced := map[int]bool{}
	// Its holds were taken for FulfilmentHold: a sub-order still unshipped
	// when they end is cancelled by inventory's expiry event, or by this
	// check should the event be lost (checkHoldsAtTheirEnd does the same for
	// a paid checkout).
	lapse := now.Add(s.cfg.FulfilmentHold + holdLapseGrace)
	err := s.store.InTx(ctx, func(r Repository) error {
		clear(raced)
		var changes []domain.Change
		var events []Event
		var checks []Task
		for _, p := range placed {
			i, o := p.i, p.order
			ok, err := r.InsertOrder(ctx, o)
			if err != nil {
				return err
			}
			if !ok {
				raced[i] = true
				continue
			}
			changes = append(changes, domain.Change{OrderID: o.ID, To: domain.Paid, Actor: by, Reason: "placed on " + o.Channel + " as " + o.ExternalOrderID, At: now})
			for _, sub := range o.SubOrders {
				changes = append(changes, domain.Change{OrderID: o.ID, SubOrderID: sub.ID, To: domain.Paid, Actor: by, Reason: "paid on " + o.Channel, At: now})
				checks = append(checks, task(TaskHoldLapsed, sub.ID, o.ID, lapse))
			}
			events = append(events, Event{Subject: SubjectOrderPaid, Payload: paidEvent(o)})
		}
		if len(changes) > 0 {
			if err := r.AppendChanges(ctx, changes); err != nil {
				return err
			}
		}
		if len(checks) > 0 {
			if err := r.Schedule(ctx, checks...); err != nil {
				return err
			}
		}
		return r.Emit(ctx, events...)
	})
	for _, p := range placed {
		i, o := p.i, p.order
		switch {
		case err != nil:
			out[i].Err = err
			s.abandon(ctx, o, err)
		case raced[i]:
			out[i].Order, out[i].Err = s.store.GetOrder(ctx, o.ID, false)
			out[i].Replayed = out[i].Err == nil
		default:
			out[i].Order = o
		}
	}
}
