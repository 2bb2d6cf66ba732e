package app

import (
	"bytes"
	"context"
	"slices"
	"errors"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	logisticsv1 "github.com/crossdock/crossdock/gen/crossdock/logistics/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/groupcommit"
	"github.com/crossdock/crossdock/pkg/webhook"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
)

// ErrBadSignature answers a webhook whose signature does not verify.
var ErrBadSignature = apperr.Unauthenticated("the webhook signature does not verify").WithReason("BAD_SIGNATURE")

// HandleWebhook verifies a carrier's webhook delivery and applies its event.
// It reports whether the event was new.
func (s *Service) HandleWebhook(ctx context.Context, carrierCode, signature string, body []byte) (bool, error) {
	car, err := s.store.GetCarrierByCode(ctx, carrierCode)
	if apperr.IsKind(err, apperr.KindNotFound) {
		return false, ErrBadSignature // an unknown carrier has no secret to sign with
	}
	if err != nil {
		return false, err
	}
	ep, ok := car.Endpoint(s.cfg.Environment)
	if !ok || ep.WebhookSecret == "" {
		return false, ErrBadSignature
	}
	if _, err := webhook.Verify(signature, body, s.now(), s.cfg.WebhookTolerance, []byte(ep.WebhookSecret)); err != nil {
		return false, ErrBadSignature.Wrap(err)
	}
	ev, err := s.carriers.ParseEvent(body)
	if err != nil {
		return false, apperr.InvalidField("payload", err.Error())
	}
	return s.ApplyCarrierEvent(ctx, car.ID, ev)
}

// ApplyCarrierEvent applies one carrier event, from a webhook or the feed,
// once: a tracking event by its carrier event id, a charge by its leg id.
// It reports whether the event was new. An event for a parcel Crossdock did
// not book is NotFound. Concurrent calls share transactions (see
// flushEvents), so a burst of webhooks costs one disk flush per batch
// rather than per event.
func (s *Service) ApplyCarrierEvent(ctx context.Context, carrierID uuid.UUID, ev CarrierEvent) (bool, error) {
	shipmentID, err := uuid.Parse(ev.Reference)
	if err != nil {
		return false, apperr.InvalidField("reference", "is not a shipment id")
	}
	return s.events.Submit(ctx, eventItem{carrierID: carrierID, shipmentID: shipmentID, ev: ev})
}

// eventItem is one carrier event waiting for a batch.
type eventItem struct {
	carrierID, shipmentID uuid.UUID
	ev                    CarrierEvent
}

// flushEvents applies a batch of events in one transaction. Items are
// taken in shipment order (then arrival order), so concurrent batches lock
// parcels in one order and never deadlock. An item refused as invalid or
// unknown is answered with its error without touching the database (every
// such refusal comes before the first write); any other error fails the
// whole batch, whose callers retry.
func (s *Service) flushEvents(ctx context.Context, items []eventItem) []groupcommit.Result[bool] {
	out := make([]groupcommit.Result[bool], len(items))
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return bytes.Compare(items[a].shipmentID[:], items[b].shipmentID[:])
	})
	err := s.store.InTx(ctx, func(r Repository) error {
		for _, i := range order {
			it := items[i]
			fresh, err := s.applyOne(ctx, r, it)
			if err != nil && !refused(err) {
				return err
			}
			out[i] = groupcommit.Result[bool]{Value: fresh, Err: err}
		}
		return nil
	})
	if err != nil {
		for i := range out {
			out[i] = groupcommit.Result[bool]{Err: err}
		}
	}
	return out
}

// refused reports an item's own refusal, made before it wrote anything.
func refused(err error) bool {
	return apperr.IsKind(err, apperr.KindInvalid) || apperr.IsKind(err, apperr.KindNotFound)
}

func (s *Service) applyOne(ctx context.Context, r Repository, it eventItem) (bool, error) {
	sh, err := r.GetShipment(ctx, it.shipmentID, true)
	if err != nil {
		return false, err
	}
	if sh.CarrierID != it.carrierID {
		return false, apperr.NotFound("shipment", it.ev.Reference)
	}
	if it.ev.Type == "charge" {
		return s.applyCharge(ctx, r, sh, it.ev)
	}
	return s.applyTracking(ctx, r, sh, it.ev)
}

func (s *Service) applyCharge(ctx context.Context, r Repository, sh domain.Shipment, ev CarrierEvent) (bool, error) {
	c := ev.Charge
	if c == nil || c.LegID == "" || !c.Kind.Valid() || c.Amount.Amount <= 0 {
		return false, apperr.InvalidField("charge", "needs a leg id, a kind of leg and a positive amount")
	}
	if c.Amount.Currency != sh.GoodsPrice.Currency {
		return false, apperr.InvalidField("charge.currency", "must be "+sh.GoodsPrice.Currency+", the currency the parcel was booked in")
	}
	leg := domain.Leg{LegID: c.LegID, ShipmentID: sh.ID, Kind: c.Kind, Amount: c.Amount, ConfirmedAt: ev.OccurredAt.UTC(), EventID: ev.ID}
	fresh, err := r.InsertLeg(ctx, sh.CarrierID, leg)
	if err != nil || !fresh {
		return false, err
	}
	return true, r.Emit(ctx, Event{Subject: SubjectFreightLegConfirmed, Message: &logisticsv1.FreightLegConfirmed{
		ShipmentId: sh.ID.String(), SubOrderId: sh.SubOrderID.String(), LegId: leg.LegID, Kind: string(leg.Kind),
		Amount: moneyProto(leg.Amount), ConfirmedAt: timestamppb.New(leg.ConfirmedAt),
	}})
}

func (s *Service) applyTracking(ctx context.Context, r Repository, sh domain.Shipment, ev CarrierEvent) (bool, error) {
	status := domain.Status(ev.Status)
	if !domain.ValidReported(status) {
		return false, apperr.InvalidField("status", "is not a status a carrier reports: "+ev.Status)
	}
	if ev.Point != nil && !ev.Point.Valid() {
		return false, apperr.InvalidField("location", "is not a position on the earth")
	}
	m, err := s.methods.get(ctx, sh.MethodID)
	if err != nil {
		return false, err
	}
	te := domain.TrackingEvent{
		CarrierEventID: ev.ID, Waybill: ev.Waybill, OccurredAt: ev.OccurredAt.UTC().Truncate(time.Microsecond),
		Seq: ev.SeqInShipment, Status: status, Leg: domain.LegKind(ev.Leg), LocationName: ev.LocationName,
		Point: ev.Point, Description: ev.Description,
	}
	fx := sh.Apply(te, m.Speed, s.cfg.TimeScale)
	fresh, err := r.InsertTrackingEvent(ctx, sh.CarrierID, sh.ID, StoredEvent{TrackingEvent: te, Applied: fx.Moved, ReceivedAt: s.clock()})
	if err != nil || !fresh {
		return false, err
	}
	if err := r.SaveShipment(ctx, sh); err != nil {
		return false, err
	}
	return true, r.Emit(ctx, effectEvents(sh, fx)...)
}

// effectEvents are the facts an applied event makes known.
func effectEvents(sh domain.Shipment, fx domain.Effects) []Event {
	var out []Event
	if fx.PickedUp {
		out = append(out, Event{Subject: SubjectShipmentPickedUp, Message: &logisticsv1.ShipmentPickedUp{
			ShipmentId: sh.ID.String(), SubOrderId: sh.SubOrderID.String(), Waybill: sh.Waybill, PickedUpAt: timestamppb.New(*sh.PickedUpAt),
		}})
	}
	if fx.Delivered {
		out = append(out, Event{Subject: SubjectShipmentDelivered, Message: &logisticsv1.ShipmentDelivered{
			ShipmentId: sh.ID.String(), SubOrderId: sh.SubOrderID.String(), OrderId: sh.OrderID.String(),
			Kind: string(sh.Kind), ReturnId: sh.ReturnID, Waybill: sh.Waybill, DeliveredAt: timestamppb.New(*sh.DeliveredAt),
		}})
	}
	if fx.Returned {
		out = append(out, Event{Subject: SubjectShipmentReturned, Message: &logisticsv1.ShipmentReturned{
			ShipmentId: sh.ID.String(), SubOrderId: sh.SubOrderID.String(), Waybill: sh.Waybill, ReturnedAt: timestamppb.New(sh.LastEventAt),
		}})
	}
	return out
}

// PollCarrier reads a carrier's event feed from where it was left and
// applies every event: the path that catches events whose webhooks were
// lost. It returns how many events were new. An event the service cannot
// apply (a parcel it did not book) is skipped, so one bad event does not
// stop the feed.
func (s *Service) PollCarrier(ctx context.Context, car domain.Carrier, pageSize int) (int, error) {
	ep, ok := car.Endpoint(s.cfg.Environment)
	if !ok {
		return 0, nil
	}
	after, err := s.store.FeedCursor(ctx, car.ID)
	if err != nil {
		return 0, err
	}
	applied := 0
	for {
		events, more, err := s.carriers.Events(ctx, ep, after, pageSize)
		if err != nil {
			return applied, err
		}
		for _, ev := range events {
			fresh, err := s.ApplyCarrierEvent(ctx, car.ID, ev)
			switch {
			case err == nil:
			case apperr.IsKind(err, apperr.KindNotFound), apperr.IsKind(err, apperr.KindInvalid):
				// not ours or malformed: nothing to apply, ever
			default:
				return applied, errors.Join(err, s.store.SaveFeedCursor(ctx, car.ID, after, s.clock()))
			}
			if fresh {
				applied++
			}
			after = max(after, ev.Seq)
		}
		if err := s.store.SaveFeedCursor(ctx, car.ID, after, s.clock()); err != nil {
			return applied, err
		}
		if !more || len(events) == 0 {
			return applied, nil
		}
	}
}
