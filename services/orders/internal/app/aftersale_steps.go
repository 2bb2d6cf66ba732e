package app

import (
	"context"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	ordersv1 "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// The after-sale steps, each idempotent on the request's id.
const (
	// TaskBookReturn books an approved request's parcel back to the
	// supplier.
	TaskBookReturn TaskKind = "book_return"
	// TaskReserveReplacement holds an approved exchange's replacement.
	TaskReserveReplacement TaskKind = "reserve_replacement"
	// TaskRestock puts goods received back, and marked restockable, on hand.
	TaskRestock TaskKind = "restock"
	// TaskReturnRefund refunds a received return to the buyer.
	TaskReturnRefund TaskKind = "return_refund"
)

// runAfterSaleTask runs an after-sale step; ok is false for a kind that is
// not one.
func (s *Service) runAfterSaleTask(ctx context.Context, t Task) (ok bool, err error) {
	switch t.Kind {
	case TaskBookReturn:
		return true, s.bookReturn(ctx, t.Subject)
	case TaskReserveReplacement:
		return true, s.reserveReplacement(ctx, t.Subject)
	case TaskRestock:
		return true, s.restock(ctx, t.Subject)
	case TaskReturnRefund:
		return true, s.refundReturn(ctx, t.Subject)
	}
	return false, nil
}

// bookReturn books the parcel back, from the sub-order's address to where
// its goods were shipped from, by the same method.
func (s *Service) bookReturn(ctx context.Context, id uuid.UUID) error {
	a, err := s.store.GetAfterSale(ctx, id, false)
	if err != nil || a.ReturnShipmentID != nil || (a.Status != domain.AfterSaleApproved && a.Status != domain.AfterSaleReplacementShipped) {
		return err
	}
	sub, _, err := s.afterSaleSubOrder(ctx, a)
	if err != nil {
		return err
	}
	p, err := s.Logistics.Parcel(ctx, sub.ID)
	if err != nil {
		return err
	}
	if p == nil || p.From == nil || sub.Address == nil {
		return apperr.FailedPrecondition("the sub-order has no parcel to return along").WithReason("NO_PARCEL")
	}
	sh, err := s.Logistics.ShipReturn(ctx, ReturnInput{AfterSale: a, SubOrder: sub, MethodID: p.MethodID, To: *p.From})
	if err != nil {
		return err
	}
	_, err = s.noteAfterSale(ctx, id, system, "return parcel booked: waybill "+sh.Waybill,
		func(a *domain.AfterSale, _ *domain.Order, _ time.Time) ([]Task, error) {
			a.ReturnShipmentID, a.ReturnWaybill = &sh.ID, sh.Waybill
			return nil, nil
		})
	return err
}

// reserveReplacement holds an exchange's replacement stock (keyed by the
// request) until it ships, for as long as a paid order's goods are held.
func (s *Service) reserveReplacement(ctx context.Context, id uuid.UUID) error {
	a, err := s.store.GetAfterSale(ctx, id, false)
	if err != nil || a.Status != domain.AfterSaleApproved {
		return err
	}
	sub, _, err := s.afterSaleSubOrder(ctx, a)
	if err != nil {
		return err
	}
	_, err = s.Inventory.Reserve(ctx, a.ID, replacement(a, sub).Lines, s.cfg.FulfilmentHold)
	return err
}

// restock puts a request's goods back in the warehouse the supplier named.
func (s *Service) restock(ctx context.Context, id uuid.UUID) error {
	a, err := s.store.GetAfterSale(ctx, id, false)
	if err != nil || !a.Restockable || a.WarehouseID == nil {
		return err
	}
	return s.Inventory.Restock(ctx, *a.WarehouseID, "after-sale:"+a.ID.String(), a.Lines)
}

// refundReturn refunds a received return: finance pays it from the
// sub-order's escrow before settlement (the goods then settle less it) or
// claws it back from the supplier's payable after it. A claw-back the
// payable cannot pay yet is retried until finance has paid it.
func (s *Service) refundReturn(ctx context.Context, id uuid.UUID) error {
	a, err := s.store.GetAfterSale(ctx, id, false)
	if err != nil || a.Status != domain.AfterSaleReceived {
		return err
	}
	var res Refund
	if a.Refund.Amount > 0 {
		o, err := s.store.GetOrder(ctx, a.OrderID, false)
		if err != nil {
			return err
		}
		if !o.External() {
			if res, err = s.Finance.Refund(ctx, a.SubOrderID, "return:"+a.ID.String(), a.Refund); err != nil {
				return err
			}
			if res.Waiting {
				return errNotYet{until: s.clock().Add(time.Minute)}
			}
		}
	}
	_, err = s.moveAfterSale(ctx, id, domain.AfterSaleRefunded, system, "refunded "+a.Refund.String(),
		func(a *domain.AfterSale, o *domain.Order, now time.Time) ([]Task, error) {
			a.ClawBack = res.ClawBack
			if !res.ClawBack {
				o.SubOrder(a.SubOrderID).Refunded += a.Refund.Amount
			}
			return nil, nil
		})
	return err
}

// returnRefunded is a refunded return as sales data and docking read it.
func returnRefunded(a domain.AfterSale, channel string) Event {
	ev := &ordersv1.ReturnRefunded{
		ReturnId: a.ID.String(), SubOrderId: a.SubOrderID.String(), OrderId: a.OrderID.String(), SupplierId: a.SupplierID.String(),
		Channel: channel, Amount: moneyProto(a.Refund), ClawBack: a.ClawBack, OccurredAt: timestamppb.New(a.UpdatedAt),
	}
	for _, l := range a.Lines {
		ev.Lines = append(ev.Lines, &ordersv1.ReturnedLine{SkuId: l.SKUID.String(), ProductId: l.ProductID.String(), Quantity: l.Quantity, Amount: moneyProto(l.Amount)})
	}
	return Event{Subject: SubjectReturnRefunded, Message: ev}
}
