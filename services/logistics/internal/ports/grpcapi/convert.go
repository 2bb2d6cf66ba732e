package grpcapi

import (
	"github.com/google/uuid"

	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	logisticsv1 "github.com/crossdock/crossdock/gen/crossdock/logistics/v1"
	"github.com/crossdock/crossdock/pkg/geo"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/pbtime"
	"github.com/crossdock/crossdock/services/logistics/internal/app"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
)

var modes = map[logisticsv1.ShippingMode]domain.Mode{
	logisticsv1.ShippingMode_SHIPPING_MODE_AIR: domain.ModeAir, logisticsv1.ShippingMode_SHIPPING_MODE_SEA: domain.ModeSea,
	logisticsv1.ShippingMode_SHIPPING_MODE_EXPRESS: domain.ModeExpress, logisticsv1.ShippingMode_SHIPPING_MODE_GROUND: domain.ModeGround,
}

var statuses = map[domain.Status]logisticsv1.ShipmentStatus{
	domain.StatusBooked: logisticsv1.ShipmentStatus_SHIPMENT_STATUS_BOOKED, domain.StatusPickedUp: logisticsv1.ShipmentStatus_SHIPMENT_STATUS_PICKED_UP,
	domain.StatusInTransit: logisticsv1.ShipmentStatus_SHIPMENT_STATUS_IN_TRANSIT, domain.StatusCustomsHold: logisticsv1.ShipmentStatus_SHIPMENT_STATUS_CUSTOMS_HOLD,
	domain.StatusOutForDelivery: logisticsv1.ShipmentStatus_SHIPMENT_STATUS_OUT_FOR_DELIVERY, domain.StatusDelivered: logisticsv1.ShipmentStatus_SHIPMENT_STATUS_DELIVERED,
	domain.StatusException: logisticsv1.ShipmentStatus_SHIPMENT_STATUS_EXCEPTION, domain.StatusReturned: logisticsv1.ShipmentStatus_SHIPMENT_STATUS_RETURNED,
	domain.StatusCancelled: logisticsv1.ShipmentStatus_SHIPMENT_STATUS_CANCELLED,
}

func modeProto(m domain.Mode) logisticsv1.ShippingMode {
	for k, v := range modes {
		if v == m {
			return k
		}
	}
	return logisticsv1.ShippingMode_SHIPPING_MODE_UNSPECIFIED
}

func statusOf(s logisticsv1.ShipmentStatus) (domain.Status, bool) {
	for k, v := range statuses {
		if v == s {
			return k, true
		}
	}
	return "", false
}

func moneyProto(m money.Money) *commonv1.Money {
	if m.Currency == "" {
		return nil
	}
	return &commonv1.Money{AmountMinor: m.Amount, CurrencyCode: m.Currency}
}

func moneyOf(m *commonv1.Money) money.Money {
	return money.Money{Amount: m.GetAmountMinor(), Currency: m.GetCurrencyCode()}
}

func pointProto(p *geo.Point) *commonv1.GeoPoint {
	if p == nil {
		return nil
	}
	return &commonv1.GeoPoint{Latitude: p.Lat, Longitude: p.Lng}
}

func addressOf(a *commonv1.Address) domain.Address {
	out := domain.Address{Recipient: a.GetRecipient(), Phone: a.GetPhone(), Country: a.GetCountryCode(), Region: a.GetRegionCode(),
		City: a.GetCity(), Postcode: a.GetPostcode(), Lines: a.GetLines()}
	if l := a.GetLocation(); l != nil {
		out.Location = &geo.Point{Lat: l.GetLatitude(), Lng: l.GetLongitude()}
	}
	return out
}

func addressProto(a domain.Address) *commonv1.Address {
	return &commonv1.Address{Recipient: a.Recipient, Phone: a.Phone, CountryCode: a.Country, RegionCode: a.Region,
		City: a.City, Postcode: a.Postcode, Lines: a.Lines, Location: pointProto(a.Location)}
}

func carrierProto(c domain.Carrier) *logisticsv1.Carrier {
	out := &logisticsv1.Carrier{CarrierId: c.ID.String(), Code: c.Code, Name: c.Name, Active: c.Active,
		CreatedAt: timestamppb.New(c.CreatedAt), UpdatedAt: timestamppb.New(c.UpdatedAt)}
	for _, e := range c.Endpoints {
		out.Endpoints = append(out.Endpoints, &logisticsv1.CarrierEndpoint{Environment: e.Environment, ApiUrl: e.APIURL,
			HasApiKey: e.APIKey != "", HasWebhookSecret: e.WebhookSecret != ""})
	}
	return out
}

func endpointsOf(in []*logisticsv1.CarrierEndpoint) []domain.Endpoint {
	out := make([]domain.Endpoint, len(in))
	for i, e := range in {
		out[i] = domain.Endpoint{Environment: e.GetEnvironment(), APIURL: e.GetApiUrl(), APIKey: e.GetApiKey(), WebhookSecret: e.GetWebhookSecret()}
	}
	return out
}

func speedOf(s *logisticsv1.SpeedProfile) domain.Speed {
	return domain.Speed{HandlingHours: int(s.GetHandlingHours()), DomesticKmPerDay: int(s.GetDomesticKmPerDay()),
		InternationalKmPerDay: int(s.GetInternationalKmPerDay()), LastMileKmPerDay: int(s.GetLastMileKmPerDay())}
}

func methodProto(m domain.Method) *logisticsv1.ShippingMethod {
	return &logisticsv1.ShippingMethod{MethodId: m.ID.String(), CarrierId: m.CarrierID.String(), Code: m.Code, Name: m.Name,
		Mode: modeProto(m.Mode), Zones: m.Zones, Active: m.Active,
		Speed: &logisticsv1.SpeedProfile{HandlingHours: int32(m.Speed.HandlingHours), DomesticKmPerDay: int32(m.Speed.DomesticKmPerDay),
			InternationalKmPerDay: int32(m.Speed.InternationalKmPerDay), LastMileKmPerDay: int32(m.Speed.LastMileKmPerDay)},
		CreatedAt: timestamppb.New(m.CreatedAt), UpdatedAt: timestamppb.New(m.UpdatedAt)}
}

func eventProto(e app.StoredEvent) *logisticsv1.TrackingEvent {
	return &logisticsv1.TrackingEvent{EventId: e.CarrierEventID, OccurredAt: timestamppb.New(e.OccurredAt), Status: statuses[e.Status],
		Description: e.Description, LocationName: e.LocationName, Location: pointProto(e.Point), Leg: string(e.Leg),
		Applied: e.Applied, ReceivedAt: timestamppb.New(e.ReceivedAt)}
}

// payers maps the API's freight payers to the domain's; unspecified is the
// escrow.
var payers = map[logisticsv1.FreightPayer]domain.FreightPayer{
	logisticsv1.FreightPayer_FREIGHT_PAYER_UNSPECIFIED: domain.PayerEscrow,
	logisticsv1.FreightPayer_FREIGHT_PAYER_ESCROW:      domain.PayerEscrow,
	logisticsv1.FreightPayer_FREIGHT_PAYER_PLATFORM:    domain.PayerPlatform,
}

func shipmentProto(v app.View) *logisticsv1.Shipment {
	kind := logisticsv1.ShipmentKind_SHIPMENT_KIND_OUTBOUND
	if v.Kind == domain.KindReturn {
		kind = logisticsv1.ShipmentKind_SHIPMENT_KIND_RETURN
	}
	payer := logisticsv1.FreightPayer_FREIGHT_PAYER_ESCROW
	if v.FreightPayer == domain.PayerPlatform {
		payer = logisticsv1.FreightPayer_FREIGHT_PAYER_PLATFORM
	}
	out := &logisticsv1.Shipment{
		ShipmentId: v.ID.String(), Kind: kind, SubOrderId: v.SubOrderID.String(), OrderId: v.OrderID.String(),
		ReturnId: v.ReturnID, BuyerId: v.BuyerID, SupplierOrgId: v.SupplierOrgID.String(), MethodId: v.MethodID.String(),
		MethodName: v.Method.Name, Mode: modeProto(v.Method.Mode), CarrierId: v.CarrierID.String(), CarrierCode: v.CarrierCode,
		Waybill: v.Waybill, Status: statuses[v.Status], From: addressProto(v.From), To: addressProto(v.To),
		WeightG: v.WeightG, VolumeCm3: v.VolumeCM3, DeclaredValue: moneyProto(v.DeclaredValue), GoodsPrice: moneyProto(v.GoodsPrice),
		DistanceLeftKm: v.DistanceLeftKm, DistanceBasis: string(v.DistanceBasis), Eta: pbtime.ProtoOf(v.ETA),
		ActualFreight: moneyProto(v.ActualFreight), CreatedAt: timestamppb.New(v.CreatedAt), PickedUpAt: pbtime.ProtoOf(v.PickedUpAt),
		FreightPayer: payer, FreightPending: v.FreightPending,
		DeliveredAt: pbtime.ProtoOf(v.DeliveredAt), CompletedAt: pbtime.ProtoOf(v.CompletedAt), CancelledAt: pbtime.ProtoOf(v.CancelledAt),
	}
	out.CarrierCancellation, out.CarrierCancelRefusal, out.CarrierCancelledAt = carrierCancellationProto(v.Shipment), v.CarrierCancelRefusal, pbtime.ProtoOf(v.CarrierCancelDoneAt)
	if v.Central != nil {
		out.CentralWarehouse, out.AtCentralAt, out.OnwardWaybill = addressProto(*v.Central), pbtime.ProtoOf(v.AtCentralAt), v.OnwardWaybill
		if v.ConsolidationID != uuid.Nil {
			out.ConsolidationId = v.ConsolidationID.String()
		}
	}
	for _, l := range v.Lines {
		out.Lines = append(out.Lines, &logisticsv1.ShipmentLine{SkuId: l.SKUID.String(), Quantity: l.Quantity})
	}
	if p := v.Position; p != nil {
		out.Position = &logisticsv1.Position{Point: pointProto(&p.Point), Name: p.Name, At: timestamppb.New(p.At)}
	}
	for _, l := range v.Legs {
		out.Legs = append(out.Legs, &logisticsv1.FreightLeg{LegId: l.LegID, Kind: string(l.Kind), Amount: moneyProto(l.Amount),
			ConfirmedAt: timestamppb.New(l.ConfirmedAt), PaidAt: pbtime.ProtoOf(l.PaidAt), Refusal: l.Refusal})
	}
	for _, e := range v.Recent {
		out.RecentEvents = append(out.RecentEvents, eventProto(e))
	}
	return out
}

// carrierCancellationProto is the carrier's side of a cancelled parcel.
func carrierCancellationProto(s domain.Shipment) logisticsv1.CarrierCancellation {
	switch {
	case s.Status != domain.StatusCancelled:
		return logisticsv1.CarrierCancellation_CARRIER_CANCELLATION_UNSPECIFIED
	case s.CarrierCancelPending():
		return logisticsv1.CarrierCancellation_CARRIER_CANCELLATION_PENDING
	case s.CarrierCancelRefusal != "":
		return logisticsv1.CarrierCancellation_CARRIER_CANCELLATION_REFUSED
	}
	return logisticsv1.CarrierCancellation_CARRIER_CANCELLATION_DONE
}
