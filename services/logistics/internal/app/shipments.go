package app

import (
	"context"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	logisticsv1 "github.com/crossdock/crossdock/gen/crossdock/logistics/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/geo"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/paging"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
)

// View is a shipment as its readers see it: with its method and carrier,
// legs, latest events, the distance left and an ETA that is never past.
type View struct {
	domain.Shipment
	Method         domain.Method
	CarrierCode    string
	Legs           []domain.Leg
	ActualFreight  money.Money
	Recent         []StoredEvent
	DistanceLeftKm float64
	DistanceBasis  geo.Basis
	ETA            *time.Time
	// FreightPending: the bill may still grow (domain.Shipment.FreightPending).
	FreightPending bool
}

// recentEvents is how many events a shipment's view carries.
const recentEvents = 20

func (s *Service) view(ctx context.Context, id uuid.UUID) (View, error) {
	d, err := s.store.ShipmentDetails(ctx, id, recentEvents)
	if err != nil {
		return View{}, err
	}
	v := View{Shipment: d.Shipment, Method: d.Method, CarrierCode: d.CarrierCode, Legs: d.Legs, Recent: d.Recent}
	if v.ActualFreight, err = domain.ActualFreight(v.Legs, v.GoodsPrice.Currency); err != nil {
		return v, err
	}
	v.DistanceLeftKm, v.DistanceBasis = v.Shipment.DistanceLeft()
	v.ETA = v.Shipment.ETAAt(s.clock(), s.timing().Scaled(s.cfg.OverdueSlack))
	v.FreightPending = v.Shipment.FreightPending(v.Legs, s.clock(), s.cfg.FreightGrace)
	return v, nil
}

// GetShipment returns a shipment to its readers; to anyone else it does
// not exist.
func (s *Service) GetShipment(ctx context.Context, c auth.Caller, id uuid.UUID) (View, error) {
	v, err := s.view(ctx, id)
	if err != nil {
		return View{}, err
	}
	if !canRead(c, v.Shipment) {
		return View{}, apperr.NotFound("shipment", id.String())
	}
	return v, nil
}

// GetSubOrderShipment returns a sub-order's outbound shipment to its readers.
func (s *Service) GetSubOrderShipment(ctx context.Context, c auth.Caller, subOrderID uuid.UUID) (View, error) {
	sh, err := s.store.GetSubOrderShipment(ctx, subOrderID)
	if err != nil {
		return View{}, err
	}
	if !canRead(c, sh) {
		return View{}, apperr.NotFound("shipment of sub-order", subOrderID.String())
	}
	return s.view(ctx, sh.ID)
}

// ListShipmentEvents returns a page of a shipment's history, oldest first,
// to its readers, and the token of the next page (empty after the last). A
// parcel scanned often on a long way can gather more events than one
// answer should carry.
func (s *Service) ListShipmentEvents(ctx context.Context, c auth.Caller, id uuid.UUID, pageSize int, pageToken string) ([]StoredEvent, string, error) {
	if _, err := s.GetShipment(ctx, c, id); err != nil {
		return nil, "", err
	}
	size, err := eventPages.Size(pageSize)
	if err != nil {
		return nil, "", err
	}
	var after *EventCursor
	if pageToken != "" {
		after = new(EventCursor)
		if err := paging.Decode(pageToken, after); err != nil {
			return nil, "", err
		}
		if after.ShipmentID != id {
			return nil, "", paging.ErrBadToken
		}
	}
	events, last, err := s.store.TrackingEventsPage(ctx, id, after, size)
	if err != nil || last == nil {
		return events, "", err
	}
	last.ShipmentID = id
	return events, paging.Encode(*last), nil
}

var eventPages = paging.Limits{Default: 100, Max: 500}

var shipmentPages = paging.Limits{Default: 20, Max: 100}

// ListShipments lists shipments newest first: a buyer's own, a supplier's
// organization's (or, asked by buyer, a member's own purchases), or
// anyone's for admins and services.
func (s *Service) ListShipments(ctx context.Context, c auth.Caller, f ShipmentFilter, pageSize int, pageToken string) ([]View, string, error) {
	switch {
	case c.IsAdmin() || c.IsService():
	case f.SupplierOrgID != uuid.Nil:
		if org, ok := c.SupplierOrg(); !ok || org != f.SupplierOrgID {
			return nil, "", ErrNotYours
		}
	case f.BuyerID != "" && f.BuyerID != c.Subject:
		return nil, "", ErrNotYours
	default:
		// A supplier's member lists the organization's parcels, unless
		// they ask for their own purchases (buyer_id, themselves).
		if org, ok := c.SupplierOrg(); ok && f.BuyerID != c.Subject {
			f.SupplierOrgID = org
		} else if org, ok := c.MerchantOrg(); ok {
			f.MerchantOrgID, f.BuyerID = org, c.Subject
		} else {
			f.BuyerID, f.OwnOnly = c.Subject, true
		}
	}
	size, err := shipmentPages.Size(pageSize)
	if err != nil {
		return nil, "", err
	}
	var after *ShipmentCursor
	if pageToken != "" {
		after = new(ShipmentCursor)
		if err := paging.DecodeFor(pageToken, f.query(), after); err != nil {
			return nil, "", err
		}
	}
	list, err := s.store.ListShipments(ctx, f, after, size+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(list) > size {
		list = list[:size]
		last := list[size-1]
		next = paging.EncodeFor(f.query(), ShipmentCursor{CreatedAt: last.CreatedAt, ID: last.ID})
	}
	views := make([]View, 0, len(list))
	for _, sh := range list {
		v, err := s.view(ctx, sh.ID)
		if err != nil {
			return nil, "", err
		}
		views = append(views, v)
	}
	return views, next, nil
}

// ErrFreightPending refuses to complete a parcel whose last-mile charge is
// still on its way: asked again shortly, it completes with the whole bill.
var ErrFreightPending = apperr.Unavailable("the parcel's last-mile charge has not arrived yet; its bill is not final").
	WithReason("FREIGHT_PENDING").WithRetryDelay(5 * time.Second)

// CompleteShipment records that the sub-order completed and emits
// ShipmentCompleted with the actual bill, once (services); not while its
// bill may still grow (ErrFreightPending).
func (s *Service) CompleteShipment(ctx context.Context, c auth.Caller, id uuid.UUID) (View, error) {
	if err := requireService(c); err != nil {
		return View{}, err
	}
	sh, err := s.store.GetShipment(ctx, id, false)
	if err != nil {
		return View{}, err
	}
	if sh.CompletedAt != nil {
		return s.view(ctx, sh.ID)
	}
	if sh.Status != domain.StatusDelivered {
		return View{}, apperr.FailedPrecondition("the parcel is " + string(sh.Status) + ", not delivered").WithReason("NOT_DELIVERED")
	}
	rate := ""
	if sh.GoodsPrice.Currency != s.cfg.BaseCurrency {
		// The rate only feeds the freight estimator's history, which sets
		// a record without one aside: a rate nobody recorded does not hold
		// up the sub-order's settlement. Finance out of reach does: the
		// completion is asked again.
		rate, err = s.finance.RateToBase(ctx, sh.GoodsPrice.Currency)
		if apperr.IsKind(err, apperr.KindNotFound) {
			rate, err = "", nil
		}
		if err != nil {
			return View{}, err
		}
	}
	err = s.store.InTx(ctx, func(r Repository) error {
		cur, err := r.GetShipment(ctx, id, true)
		if err != nil {
			return err
		}
		sh = cur
		if cur.CompletedAt != nil {
			return nil
		}
		legs, err := r.ListLegs(ctx, id)
		if err != nil {
			return err
		}
		now := s.clock()
		if cur.FreightPending(legs, now, s.cfg.FreightGrace) {
			return ErrFreightPending
		}
		freight, err := domain.ActualFreight(legs, cur.GoodsPrice.Currency)
		if err != nil {
			return err
		}
		bill, err := cur.GoodsPrice.Add(freight)
		if err != nil {
			return err
		}
		cur.CompletedAt = &now
		sh = cur
		if err := r.SaveShipment(ctx, cur); err != nil {
			return err
		}
		return r.Emit(ctx, Event{Subject: SubjectShipmentCompleted, Payload: &logisticsv1.ShipmentCompleted{
			ShipmentId: cur.ID.String(), SubOrderId: cur.SubOrderID.String(),
			Route: &commonv1.Route{
				OriginCountryCode: cur.From.Country, OriginRegionCode: cur.From.Region,
				DestinationCountryCode: cur.To.Country, DestinationRegionCode: cur.To.Region,
			},
			VolumeCm3: cur.VolumeCM3, WeightG: cur.WeightG, DeclaredValue: moneyProto(cur.DeclaredValue),
			TransactionAmount: moneyProto(bill), GoodsPrice: moneyProto(cur.GoodsPrice), CompletedAt: timestamppb.New(now),
			RateToBase: rate, ActualFreight: moneyProto(freight), Waybill: cur.Waybill,
		}})
	})
	if err != nil {
		return View{}, err
	}
	return s.view(ctx, sh.ID)
}

func moneyProto(m money.Money) *commonv1.Money {
	return &commonv1.Money{AmountMinor: m.Amount, CurrencyCode: m.Currency}
}
