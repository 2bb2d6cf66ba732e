package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	logisticsv1 "github.com/crossdock/crossdock/gen/crossdock/logistics/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/idempotency"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
)

// CreateShipment books a parcel with the chosen method's carrier (services).
// The shipment row is written first, without a waybill, so a crash between
// the carrier's answer and the commit leaves a row that a retry completes:
// the carrier deduplicates on the shipment id it was given as reference.
// A parcel the carrier refuses leaves nothing behind.
func (s *Service) CreateShipment(ctx context.Context, c auth.Caller, in domain.NewShipmentInput) (domain.Shipment, bool, error) {
	if err := requireService(c); err != nil {
		return domain.Shipment{}, false, err
	}
	if err := in.Validate(); err != nil {
		return domain.Shipment{}, false, err
	}
	fp := fingerprint(in)
	existing, stored, err := s.store.FindShipmentByKey(ctx, in.Kind, in.SubOrderID, in.ReturnID)
	switch {
	case err == nil:
		if !bytes.Equal(stored, fp) {
			return domain.Shipment{}, false, keyReused(in)
		}
		if existing.Waybill != "" || existing.Status == domain.StatusCancelled {
			return existing, true, nil
		}
		sh, err := s.book(ctx, existing)
		return sh, true, err
	case !apperr.IsKind(err, apperr.KindNotFound):
		return domain.Shipment{}, false, err
	}

	method, carrier, err := s.bookable(ctx, in.MethodID, in.To.Country)
	if err != nil {
		return domain.Shipment{}, false, err
	}
	sh := domain.Shipment{
		ID: uuid.New(), Kind: in.Kind, SubOrderID: in.SubOrderID, OrderID: in.OrderID, ReturnID: in.ReturnID,
		BuyerID: in.BuyerID, SupplierOrgID: in.SupplierOrgID, MethodID: method.ID, CarrierID: carrier.ID,
		Status: domain.StatusBooked, From: in.From, To: in.To, Lines: in.Lines, WeightG: in.WeightG,
		VolumeCM3: in.VolumeCM3, DeclaredValue: in.DeclaredValue, GoodsPrice: in.GoodsPrice,
		ReservationID: in.ReservationID, FreightPayer: in.FreightPayer, MerchantOrgID: in.MerchantOrgID, CreatedAt: s.clock(), Central: in.Central, Stage: 1,
	}
	inserted, err := s.store.InsertShipment(ctx, sh, fp)
	if err != nil {
		return domain.Shipment{}, false, err
	}
	if !inserted { // a concurrent identical call won the insert
		return s.CreateShipment(ctx, c, in)
	}
	sh, err = s.book(ctx, sh)
	return sh, false, err
}

// bookable returns an active method serving the destination, and its
// active carrier.
func (s *Service) bookable(ctx context.Context, methodID uuid.UUID, destination string) (domain.Method, domain.Carrier, error) {
	m, err := s.store.GetMethod(ctx, methodID)
	if apperr.IsKind(err, apperr.KindNotFound) {
		return m, domain.Carrier{}, apperr.InvalidField("method_id", "is not a shipping method").WithReason("UNKNOWN_METHOD")
	}
	if err != nil {
		return m, domain.Carrier{}, err
	}
	car, err := s.store.GetCarrier(ctx, m.CarrierID)
	if err != nil {
		return m, car, err
	}
	if !m.Active || !car.Active {
		return m, car, apperr.InvalidField("method_id", "is no longer offered").WithReason("METHOD_INACTIVE")
	}
	if !m.Serves(destination) {
		return m, car, apperr.InvalidField("to.country_code", "is not served by the shipping method "+m.Code).WithReason("DESTINATION_NOT_SERVED")
	}
	if _, err := s.endpoint(car); err != nil {
		return m, car, err
	}
	return m, car, nil
}

// book asks the carrier for a waybill and stores it with the first ETA and
// the ShipmentBooked event. A refusal deletes the row; any other failure
// leaves it for a retry. A parcel cancelled while the carrier was booking
// it gets its waybill but no ShipmentBooked (nothing ships), and its
// booking is cancelled at the carrier at once, or by the bookings worker
// if that fails.
func (s *Service) book(ctx context.Context, sh domain.Shipment) (domain.Shipment, error) {
	m, err := s.store.GetMethod(ctx, sh.MethodID)
	if err != nil {
		return sh, err
	}
	car, ep, err := s.carrierOf(ctx, sh)
	if err != nil {
		return sh, err
	}
	waybill, err := s.bookAtCarrier(ctx, ep, m, sh)
	if err != nil {
		if apperr.IsKind(err, apperr.KindInvalid) {
			if derr := s.store.DeleteShipment(ctx, sh.ID); derr != nil {
				return sh, errors.Join(err, derr)
			}
		}
		return sh, err
	}
	err = s.store.InTx(ctx, func(r Repository) error {
		cur, err := r.GetShipment(ctx, sh.ID, true)
		if err != nil {
			return err
		}
		sh = cur
		switch {
		case cur.Waybill != "": // a concurrent call stored it first
			return nil
		case cur.Status == domain.StatusCancelled:
			cur.BookedAfterCancel(waybill)
			sh = cur
			return r.SaveShipment(ctx, cur)
		}
		now := s.clock()
		cur.Book(waybill, m.Speed, s.timing(), now)
		sh = cur
		if err := r.SaveShipment(ctx, cur); err != nil {
			return err
		}
		return r.Emit(ctx, Event{Subject: SubjectShipmentBooked, Payload: &logisticsv1.ShipmentBooked{
			ShipmentId: cur.ID.String(), SubOrderId: cur.SubOrderID.String(), OrderId: cur.OrderID.String(),
			Kind: string(cur.Kind), ReturnId: cur.ReturnID, CarrierCode: car.Code, Waybill: waybill,
			BookedAt: timestamppb.New(now),
		}})
	})
	if err != nil || !sh.CarrierCancelPending() {
		return sh, err
	}
	return s.cancel(ctx, sh, "")
}

// bookAtCarrier asks the parcel's carrier to book it under the shipment id
// as reference, and returns the waybill: the carrier answers the booking
// it already holds under that reference, if any.
func (s *Service) bookAtCarrier(ctx context.Context, ep domain.Endpoint, m domain.Method, sh domain.Shipment) (string, error) {
	to := sh.To
	if sh.Central != nil { // the first booking ends at the central warehouse
		to = *sh.Central
	}
	return s.carriers.Book(ctx, ep, Booking{
		Reference: sh.ID.String(), Service: m.Code, From: sh.From, To: to, WeightG: sh.WeightG,
		VolumeCM3: sh.VolumeCM3, DeclaredValue: sh.DeclaredValue, ChargeCurrency: sh.GoodsPrice.Currency,
	})
}

// carrierOf returns the parcel's carrier and its endpoint in the service's
// environment.
func (s *Service) carrierOf(ctx context.Context, sh domain.Shipment) (domain.Carrier, domain.Endpoint, error) {
	car, err := s.store.GetCarrier(ctx, sh.CarrierID)
	if err != nil {
		return car, domain.Endpoint{}, err
	}
	ep, err := s.endpoint(car)
	return car, ep, err
}

// endpoint is the carrier's endpoint in the service's environment.
func (s *Service) endpoint(car domain.Carrier) (domain.Endpoint, error) {
	ep, ok := car.Endpoint(s.cfg.Environment)
	if !ok {
		return ep, apperr.FailedPrecondition("the carrier " + car.Code + " has no " + s.cfg.Environment + " endpoint").WithReason("CARRIER_NOT_CONFIGURED")
	}
	return ep, nil
}

// fingerprint is what makes two creations of one key the same request.
func fingerprint(in domain.NewShipmentInput) []byte {
	b, _ := json.Marshal(in)
	sum := sha256.Sum256(b)
	return sum[:]
}

func keyReused(in domain.NewShipmentInput) error {
	if in.Kind == domain.KindReturn {
		return apperr.AlreadyExists("return " + in.ReturnID + " already has a shipment created with other details").WithReason(idempotency.ReasonKeyReused)
	}
	return apperr.AlreadyExists("sub-order " + in.SubOrderID.String() + " already has a shipment created with other details").WithReason(idempotency.ReasonKeyReused)
}
