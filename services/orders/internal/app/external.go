package app

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// ExternalOrderInput is an order a partner channel sold, as docking pulled
// it.
type ExternalOrderInput struct {
	Channel, ExternalOrderID, BuyerRef string
	Lines                              []domain.CartLine
	Address                            *domain.Address
}

// PlaceExternalOrder creates an already-paid order from a partner channel:
// the same split, stock reserved for fulfilment, no freight estimate and no
// wallet (its money arrives by the partner's settlement). Idempotent on
// (channel, external order id).
func (s *Service) PlaceExternalOrder(ctx context.Context, c auth.Caller, in ExternalOrderInput) (domain.Order, bool, error) {
	if !isService(c) {
		return domain.Order{}, false, ErrServicesOnly
	}
	var v apperr.Violations
	if in.Channel == domain.OwnStore || !strings.HasPrefix(in.Channel, "partner:") || len(in.Channel) > 64 {
		v.Add("channel", `must be a partner channel such as "partner:dh"`)
	}
	domain.CheckCheckoutID(&v, "external_order_id", in.ExternalOrderID)
	if strings.TrimSpace(in.BuyerRef) == "" || len(in.BuyerRef) > 200 {
		v.Add("buyer_ref", "is required (at most 200 characters)")
	}
	checkShape(&v, in.Address, in.Lines)
	if err := v.Err(); err != nil {
		return domain.Order{}, false, err
	}
	id := domain.OrderID(in.Channel, "", in.ExternalOrderID)
	if o, found, err := s.existing(ctx, id); found || err != nil {
		return o, found, err
	}
	drafts, err := s.resolve(ctx, in.Lines, uuid.Nil)
	if err != nil {
		return domain.Order{}, false, err
	}
	addresses, err := domain.AssignAddresses(drafts, in.Address, nil, "")
	if err != nil {
		return domain.Order{}, false, err
	}
	now := s.clock()
	o := domain.Order{
		ID: id, BuyerID: in.Channel + "/" + in.BuyerRef, CheckoutID: in.ExternalOrderID, Channel: in.Channel, ExternalOrderID: in.ExternalOrderID,
		Status: domain.Paid, Currency: drafts[0].Goods.Currency, Quotes: map[string]string{}, PaymentDueAt: now, PlacedAt: now, PaidAt: &now, UpdatedAt: now,
	}
	for i, d := range drafts {
		sub := newSubOrder(o, i, d, addresses[i], now)
		sub.PaidAt = &now
		o.SubOrders = append(o.SubOrders, sub)
	}
	if err := s.reserve(ctx, o, s.cfg.FulfilmentHold); err != nil {
		return domain.Order{}, false, err
	}
	inserted := false
	err = s.store.InTx(ctx, func(r Repository) error {
		ok, err := r.InsertOrder(ctx, o)
		if err != nil || !ok {
			return err
		}
		inserted = true
		by := domain.Actor{Kind: domain.ActorSystem, ID: c.Subject}
		changes := []domain.Change{{OrderID: o.ID, To: domain.Paid, Actor: by, Reason: "placed on " + in.Channel + " as " + in.ExternalOrderID, At: now}}
		for _, sub := range o.SubOrders {
			changes = append(changes, domain.Change{OrderID: o.ID, SubOrderID: sub.ID, To: domain.Paid, Actor: by, Reason: "paid on " + in.Channel, At: now})
		}
		if err := r.AppendChanges(ctx, changes); err != nil {
			return err
		}
		return r.Emit(ctx, Event{Subject: SubjectOrderPaid, Message: paidEvent(o)})
	})
	if err != nil {
		s.abandon(ctx, o, err)
		return domain.Order{}, false, err
	}
	if !inserted {
		o, err = s.store.GetOrder(ctx, id, false)
		return o, true, err
	}
	return o, false, nil
}
