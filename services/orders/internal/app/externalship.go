package app

import (
	"context"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	ordersv1 "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// ErrAlreadyShipped refuses a second parcel for a sub-order that shipped
// by another.
var ErrAlreadyShipped = apperr.FailedPrecondition("the sub-order shipped by another parcel").WithReason("ALREADY_SHIPPED")

// RecordExternalShipment marks a physical sub-order shipped by a parcel
// booked outside our logistics: its supplier's own carrier, or the supply
// platform docking bought its goods from. Only the carrier and the waybill
// are known, so no leg is paid from its escrow (the target freight goes
// back to the buyer at settlement) and nothing tracks it: it counts as
// delivered when the buyer confirms receipt, or ExternalDelivery after it
// shipped. Its stock is committed now, as the carrier's pick-up commits a
// parcel of ours. The same carrier and waybill again answer the sub-order
// as it is; callers as for ShipSubOrder.
func (s *Service) RecordExternalShipment(ctx context.Context, c auth.Caller, subID uuid.UUID, carrierCode, waybill string, onBehalfOf uuid.UUID) (domain.SubOrder, error) {
	var v apperr.Violations
	domain.CheckExternalParcel(&v, carrierCode, waybill)
	if err := v.Err(); err != nil {
		return domain.SubOrder{}, err
	}
	o, sub, err := s.shippable(ctx, c, subID, onBehalfOf)
	if err != nil {
		return domain.SubOrder{}, err
	}
	sameParcel := func(sub domain.SubOrder) bool {
		return sub.ExternalParcel() && sub.CarrierCode == carrierCode && sub.Waybill == waybill
	}
	switch {
	case sameParcel(sub):
		return sub, nil
	case sub.ShippedAt != nil:
		return domain.SubOrder{}, ErrAlreadyShipped
	}
	if err := cannotShip(sub); err != nil {
		return domain.SubOrder{}, err
	}
	out, err := s.moveSubOrder(ctx, o.ID, subID, domain.Shipped, actor(c), "shipped outside our logistics: "+carrierCode+" waybill "+waybill,
		s.shippedExternally(carrierCode, waybill))
	if err == nil && !sameParcel(out) {
		// Another parcel recorded the shipment between the read and the move.
		return domain.SubOrder{}, ErrAlreadyShipped
	}
	return out, err
}

// shippedExternally records an external parcel on a sub-order that ships:
// its stock committed now, its delivery presumed after ExternalDelivery.
func (s *Service) shippedExternally(carrierCode, waybill string) alsoFunc {
	return func(o *domain.Order, sub *domain.SubOrder, now time.Time) ([]Task, []Event) {
		sub.ShipmentID, sub.Waybill, sub.CarrierCode, sub.MethodID, sub.ShippedAt = nil, waybill, carrierCode, "", &now
		tasks := []Task{task(TaskCommitStock, sub.ID, o.ID, now), task(TaskPresumeDelivered, sub.ID, o.ID, now.Add(s.cfg.ExternalDelivery))}
		return tasks, []Event{{Subject: SubjectSubOrderShipped, Payload: &ordersv1.SubOrderShipped{
			SubOrderId: sub.ID.String(), OrderId: o.ID.String(), SupplierId: sub.SupplierID.String(), Channel: o.Channel,
			ExternalOrderId: o.ExternalOrderID, CarrierCode: carrierCode, Waybill: waybill, OccurredAt: timestamppb.New(now),
		}}}
	}
}

// presumeDelivered delivers a sub-order still shipped by an external
// parcel once its delivery window passed: nobody reports such a parcel's
// arrival. It then settles after the automatic completion delay, as any
// delivered sub-order, so a buyer whose parcel never came still has that
// delay to file an after-sale request (which holds the settlement).
func (s *Service) presumeDelivered(ctx context.Context, orderID, subID uuid.UUID) error {
	o, err := s.store.GetOrder(ctx, orderID, false)
	if err != nil {
		return err
	}
	sub := o.SubOrder(subID)
	if sub == nil || sub.Status != domain.Shipped || !sub.ExternalParcel() {
		return nil
	}
	_, err = s.recordDelivered(ctx, orderID, subID, system, "presumed delivered: shipped outside our logistics "+s.cfg.ExternalDelivery.String()+" ago")
	return err
}
