package peers

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	logisticsv1 "github.com/crossdock/crossdock/gen/crossdock/logistics/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/orders/internal/app"
)

// Logistics is app.Logistics over the logistics service.
type Logistics struct {
	Client logisticsv1.LogisticsServiceClient
	// CentralWarehouse, when set, routes every parcel through it for
	// consolidation.
	CentralWarehouse *commonv1.Address
}

var _ app.Logistics = Logistics{}

// Ship books a sub-order's parcel; logistics answers a repeat with the same
// shipment.
func (l Logistics) Ship(ctx context.Context, in app.ShipInput) (app.Shipment, error) {
	sub := in.SubOrder
	req := &logisticsv1.CreateShipmentRequest{
		Kind: logisticsv1.ShipmentKind_SHIPMENT_KIND_OUTBOUND, SubOrderId: sub.ID.String(), OrderId: in.Order.ID.String(),
		BuyerId: in.Order.BuyerID, SupplierOrgId: sub.SupplierID.String(), MethodId: in.MethodID.String(),
		From: AddressProto(in.From), To: AddressProto(*sub.Address), WeightG: sub.WeightG, VolumeCm3: sub.VolumeCM3,
		GoodsPrice: &commonv1.Money{CurrencyCode: sub.Goods.Currency, AmountMinor: sub.Goods.Amount}, ReservationId: sub.ID.String(),
		CentralWarehouse: l.CentralWarehouse,
	}
	req.DeclaredValue = req.GoodsPrice
	req.MerchantOrgId = merchantOrg(in.Order.MerchantOrgID)
	if in.PlatformPays {
		req.FreightPayer = logisticsv1.FreightPayer_FREIGHT_PAYER_PLATFORM
	}
	if b := sub.FreightBreakdown; b != nil && b.DeclaredValue.Amount > 0 {
		req.DeclaredValue = &commonv1.Money{CurrencyCode: b.DeclaredValue.Currency, AmountMinor: b.DeclaredValue.Amount}
	}
	for _, line := range sub.Lines {
		req.Lines = append(req.Lines, &logisticsv1.ShipmentLine{SkuId: line.SKUID.String(), Quantity: line.Quantity})
	}
	resp, err := l.Client.CreateShipment(ctx, req)
	if err != nil {
		return app.Shipment{}, peerError(err)
	}
	return shipment(resp.GetShipment()), nil
}

// ShipReturn books an after-sale request's parcel from the buyer's address
// back to the supplier; logistics answers a repeat (same request id) with
// the same shipment.
func (l Logistics) ShipReturn(ctx context.Context, in app.ReturnInput) (app.Shipment, error) {
	sub, a := in.SubOrder, in.AfterSale
	req := &logisticsv1.CreateShipmentRequest{
		Kind: logisticsv1.ShipmentKind_SHIPMENT_KIND_RETURN, SubOrderId: sub.ID.String(), OrderId: sub.OrderID.String(), ReturnId: a.ID.String(),
		BuyerId: a.BuyerID, SupplierOrgId: sub.SupplierID.String(), MethodId: in.MethodID,
		From: AddressProto(*sub.Address), To: AddressProto(in.To),
	}
	for _, line := range a.Lines {
		req.Lines = append(req.Lines, &logisticsv1.ShipmentLine{SkuId: line.SKUID.String(), Quantity: line.Quantity})
	}
	req.WeightG, req.VolumeCm3 = a.Parcel(sub)
	req.GoodsPrice = &commonv1.Money{CurrencyCode: a.Refund.Currency, AmountMinor: a.Refund.Amount}
	req.DeclaredValue = req.GoodsPrice
	req.MerchantOrgId = merchantOrg(in.MerchantOrgID)
	resp, err := l.Client.CreateShipment(ctx, req)
	if err != nil {
		return app.Shipment{}, peerError(err)
	}
	return shipment(resp.GetShipment()), nil
}

func shipment(s *logisticsv1.Shipment) app.Shipment {
	id, _ := uuid.Parse(s.GetShipmentId())
	return app.Shipment{ID: id, Waybill: s.GetWaybill(), CarrierCode: s.GetCarrierCode()}
}

// Parcel returns where a sub-order's parcel is, nil when it has none.
func (l Logistics) Parcel(ctx context.Context, subOrderID uuid.UUID) (*app.Parcel, error) {
	resp, err := l.Client.GetSubOrderShipment(ctx, &logisticsv1.GetSubOrderShipmentRequest{SubOrderId: subOrderID.String()})
	if err = peerError(err); apperr.IsKind(err, apperr.KindNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return parcelOf(resp.GetShipment()), nil
}

// ReturnParcel returns where a return parcel is, nil when logistics has
// none.
func (l Logistics) ReturnParcel(ctx context.Context, shipmentID uuid.UUID) (*app.Parcel, error) {
	resp, err := l.Client.GetShipment(ctx, &logisticsv1.GetShipmentRequest{ShipmentId: shipmentID.String()})
	if err = peerError(err); apperr.IsKind(err, apperr.KindNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return parcelOf(resp.GetShipment()), nil
}

// parcelOf is where a shipment is, as orders reads it.
func parcelOf(s *logisticsv1.Shipment) *app.Parcel {
	p := &app.Parcel{
		Shipment: shipment(s), MethodID: s.GetMethodId(), MethodName: s.GetMethodName(), Status: s.GetStatus().String(),
		Position: s.GetPosition().GetName(), DistanceLeftKM: s.GetDistanceLeftKm(),
		ETA: timeOf(s.GetEta().AsTime(), s.GetEta() != nil), DeliveredAt: timeOf(s.GetDeliveredAt().AsTime(), s.GetDeliveredAt() != nil),
		FreightPending: s.GetFreightPending(),
	}
	if s.GetFrom() != nil {
		from := AddressFromProto(s.GetFrom())
		p.From = &from
	}
	for _, leg := range s.GetLegs() {
		if leg.GetPaidAt() == nil && leg.GetRefusal() == "" {
			p.UnpaidLegs++
		}
	}
	return p
}

func timeOf(t time.Time, set bool) *time.Time {
	if !set {
		return nil
	}
	return &t
}

// Cancel cancels a sub-order's parcel if it has one that was not picked up:
// none, or one already cancelled, is nothing to do.
func (l Logistics) Cancel(ctx context.Context, subOrderID uuid.UUID, reason string) error {
	resp, err := l.Client.GetSubOrderShipment(ctx, &logisticsv1.GetSubOrderShipmentRequest{SubOrderId: subOrderID.String()})
	if err = peerError(err); apperr.IsKind(err, apperr.KindNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	_, err = l.Client.CancelShipment(ctx, &logisticsv1.CancelShipmentRequest{ShipmentId: resp.GetShipment().GetShipmentId(), Reason: reason})
	return peerError(err)
}

// CancelReturn cancels a return parcel unless its carrier picked it up.
func (l Logistics) CancelReturn(ctx context.Context, shipmentID uuid.UUID, reason string) (bool, error) {
	_, err := l.Client.CancelShipment(ctx, &logisticsv1.CancelShipmentRequest{ShipmentId: shipmentID.String(), Reason: reason})
	var e *apperr.Error
	if err = peerError(err); errors.As(err, &e) && e.Kind == apperr.KindFailedPrecondition && e.Reason == "ALREADY_PICKED_UP" {
		return false, nil
	}
	return err == nil, err
}

// Complete records that a shipment's sub-order completed.
func (l Logistics) Complete(ctx context.Context, shipmentID uuid.UUID) error {
	_, err := l.Client.CompleteShipment(ctx, &logisticsv1.CompleteShipmentRequest{ShipmentId: shipmentID.String()})
	return peerError(err)
}

// merchantOrg is a merchant order's organization as logistics reads it:
// its members read the parcel; empty for a person's own order.
func merchantOrg(id uuid.UUID) string {
	if id == uuid.Nil {
		return ""
	}
	return id.String()
}
