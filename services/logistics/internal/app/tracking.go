package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	logisticsv1 "github.com/crossdock/crossdock/gen/crossdock/logistics/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/groupcommit"
	"github.com/crossdock/crossdock/pkg/money"
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
	now := s.now()
	if _, err := webhook.Verify(signature, body, now, s.cfg.WebhookTolerance, ep.WebhookSecrets(now)...); err != nil {
		return false, ErrBadSignature.Wrap(err)
	}
	ev, err := s.carriers.ParseEvent(body)
	if err != nil {
		return false, apperr.InvalidField("payload", err.Error())
	}
	return s.ApplyCarrierEvent(ctx, car, ev)
}

// ApplyCarrierEvent applies one event of the carrier car, from a webhook or
// the feed, once: a tracking event by its carrier event id, a charge by its
// leg id.
// It reports whether the event was new. An event for a parcel Crossdock did
// not book is NotFound. Concurrent calls share transactions (see
// flushEvents), so a burst of webhooks costs one disk flush per batch
// rather than per event.
func (s *Service) ApplyCarrierEvent(ctx context.Context, car domain.Carrier, ev CarrierEvent) (bool, error) {
	shipmentID, err := uuid.Parse(ev.Reference)
	if err != nil {
		return false, apperr.InvalidField("reference", "is not a shipment id")
	}
	return s.events.Submit(ctx, eventItem{carrierID: car.ID, carrierCode: car.Code, shipmentID: shipmentID, ev: ev})
}

// eventItem is one carrier event waiting for a batch.
type eventItem struct {
	carrierID, shipmentID uuid.UUID
	// carrierCode names the carrier in the delivery's event: orders records
	// it when the booking's event is behind, and partners are sent it.
	carrierCode string
	ev          CarrierEvent
}

// flushEvents applies a batch of events in one transaction, set-wise: the
// batch's parcels are locked at once (in id order, so concurrent batches
// never deadlock), the known event ids are read under those locks (so an
// event is applied once even when its duplicates land in two batches), the
// events are applied in memory in arrival order, and the new events, the
// changed parcels and the facts to publish are written together. An item
// refused as invalid or unknown is answered with its error; any other error
// fails the whole batch, whose callers retry.
func (s *Service) flushEvents(ctx context.Context, items []eventItem) []groupcommit.Result[bool] {
	out := make([]groupcommit.Result[bool], len(items))
	err := s.store.InTx(ctx, func(r Repository) error {
		// InTx runs this again after a serialization failure or a
		// deadlock: the answers start afresh, not with the failed try's.
		clear(out)
		return s.applyBatch(ctx, r, items, out)
	})
	if err != nil {
		for i := range out {
			out[i] = groupcommit.Result[bool]{Err: err}
		}
	}
	return out
}

// ErrOnwardBookingNotStored refuses, for now, a carrier event of a
// consolidation whose onward booking is not stored yet.
var ErrOnwardBookingNotStored = apperr.Unavailable("the consolidation's onward booking is not stored yet; send the event again").
	WithReason("ONWARD_BOOKING_NOT_STORED").WithRetryDelay(2 * time.Second)

func (s *Service) applyBatch(ctx context.Context, r Repository, items []eventItem, out []groupcommit.Result[bool]) error {
	refs := make([]uuid.UUID, 0, len(items))
	var keys []EventKey
	for _, it := range items {
		refs = append(refs, it.shipmentID)
		if it.ev.Type != "charge" {
			keys = append(keys, EventKey{CarrierID: it.carrierID, EventID: it.ev.ID})
		}
	}
	locked, err := r.LockShipments(ctx, refs)
	if err != nil {
		return err
	}
	// A reference names a parcel's own booking (stage 1) or a
	// consolidation's onward booking (stage 2, every parcel in it). A
	// consolidation still at stage 1 may be booked at the carrier with its
	// answer not stored yet (lost, or on its way): its events are refused
	// for now rather than dropped as another's, and come again (the
	// carrier's webhook retry; the feed parks them and applies them again)
	// once BookOnward, which books it again under the same reference,
	// stored it.
	ships := map[uuid.UUID]domain.Shipment{}
	byRef := map[uuid.UUID][]uuid.UUID{}
	onwardNotStored := map[uuid.UUID]bool{}
	for _, sh := range locked {
		ships[sh.ID] = sh
		byRef[sh.ID] = append(byRef[sh.ID], sh.ID)
		switch {
		case sh.ConsolidationID == uuid.Nil:
		case sh.Stage == 2:
			byRef[sh.ConsolidationID] = append(byRef[sh.ConsolidationID], sh.ID)
		default:
			onwardNotStored[sh.ConsolidationID] = true
		}
	}
	known, err := r.KnownTrackingEvents(ctx, keys)
	if err != nil {
		return err
	}
	var recorded []RecordedEvent
	var emits []Event
	changed := map[uuid.UUID]bool{}
	for i, it := range items {
		if err := checkEventText(it.ev); err != nil {
			out[i].Err = err
			continue
		}
		targets := byRef[it.shipmentID]
		if len(targets) == 0 && onwardNotStored[it.shipmentID] {
			out[i].Err = ErrOnwardBookingNotStored.WithMetadata("reference", it.ev.Reference)
			continue
		}
		if len(targets) == 0 || ships[targets[0]].CarrierID != it.carrierID {
			out[i].Err = apperr.NotFound("shipment", it.ev.Reference)
			continue
		}
		onward := targets[0] != it.shipmentID
		if it.ev.Type == "charge" {
			list := make([]domain.Shipment, len(targets))
			for j, id := range targets {
				list[j] = ships[id]
			}
			fresh, err := s.applyCharge(ctx, r, list, onward, it.ev)
			if err != nil && !refused(err) {
				return err
			}
			out[i] = groupcommit.Result[bool]{Value: fresh, Err: err}
			continue
		}
		te, err := trackingEvent(it.ev)
		if err != nil {
			out[i].Err = err
			continue
		}
		key := EventKey{CarrierID: it.carrierID, EventID: te.CarrierEventID}
		if known[key] {
			continue // a repeated delivery: answered, not applied again
		}
		known[key] = true
		te.Stage = 1
		if onward {
			te.Stage = 2
		}
		for _, id := range targets {
			sh := ships[id]
			m, err := s.methods.get(ctx, sh.MethodID)
			if err != nil {
				return err
			}
			fx := sh.ApplyReceived(te, s.clock(), m.Speed, s.timing())
			ships[sh.ID], changed[sh.ID] = sh, true
			recorded = append(recorded, RecordedEvent{CarrierID: sh.CarrierID, ShipmentID: sh.ID,
				StoredEvent: StoredEvent{TrackingEvent: te, Applied: fx.Moved, ReceivedAt: s.clock()}})
			waybill := sh.Waybill
			if waybill == "" && !onward {
				// Booked with its answer lost, the booking not stored yet:
				// the carrier's event names the parcel's waybill, which
				// orders records and partners are sent.
				waybill = te.Waybill
			}
			// The event's carrier is the parcel's (checked above), whose
			// waybill the events name.
			emits = append(emits, effectEvents(sh, fx, waybill, it.carrierCode)...)
		}
		out[i].Value = true
	}
	if err := r.InsertTrackingEvents(ctx, recorded); err != nil {
		return err
	}
	save := make([]domain.Shipment, 0, len(changed))
	for id := range changed {
		save = append(save, ships[id])
	}
	if err := r.SaveShipments(ctx, save); err != nil {
		return err
	}
	return r.Emit(ctx, emits...)
}

// checkEventText refuses, as the event's own fault, text PostgreSQL would
// refuse to store (a NUL character) or longer than an index takes or a
// buyer's screen shows: an error from the database instead fails every
// event of the batch and, read from the feed, stops the carrier's feed at
// that event for good.
func checkEventText(ev CarrierEvent) error {
	var v apperr.Violations
	field := func(name, text string, limit int) {
		switch {
		case strings.ContainsRune(text, 0):
			v.Add(name, "contains a NUL character")
		case len(text) > limit:
			v.Add(name, fmt.Sprintf("is longer than %d bytes", limit))
		}
	}
	field("id", ev.ID, maxEventIDBytes)
	field("waybill", ev.Waybill, maxEventIDBytes)
	field("status", ev.Status, maxEventIDBytes)
	field("leg", ev.Leg, maxEventIDBytes)
	field("location.name", ev.LocationName, maxEventTextBytes)
	field("description", ev.Description, maxEventTextBytes)
	if ev.Charge != nil {
		field("charge.leg_id", ev.Charge.LegID, maxEventIDBytes)
		field("charge.kind", string(ev.Charge.Kind), maxEventIDBytes)
		field("charge.currency", ev.Charge.Amount.Currency, maxEventIDBytes)
	}
	return v.Err()
}

// maxEventIDBytes bounds a carrier's ids in an event (event, waybill, leg),
// maxEventTextBytes its free text.
const (
	maxEventIDBytes   = 200
	maxEventTextBytes = 2000
)

// refused reports an item's own refusal, made before it wrote anything.
func refused(err error) bool {
	return apperr.IsKind(err, apperr.KindInvalid) || apperr.IsKind(err, apperr.KindNotFound)
}

// trackingEvent checks a carrier's tracking event and maps it to the
// domain's.
func trackingEvent(ev CarrierEvent) (domain.TrackingEvent, error) {
	status := domain.Status(ev.Status)
	if !domain.ValidReported(status) {
		return domain.TrackingEvent{}, apperr.InvalidField("status", "is not a status a carrier reports: "+ev.Status)
	}
	if ev.Point != nil && !ev.Point.Valid() {
		return domain.TrackingEvent{}, apperr.InvalidField("location", "is not a position on the earth")
	}
	return domain.TrackingEvent{
		CarrierEventID: ev.ID, Waybill: ev.Waybill, OccurredAt: ev.OccurredAt.UTC().Truncate(time.Microsecond),
		Seq: ev.SeqInShipment, Status: status, Leg: domain.LegKind(ev.Leg), LocationName: ev.LocationName,
		Point: ev.Point, Description: ev.Description,
	}, nil
}

// applyCharge records a leg's charge. The charge of a consolidation's
// onward booking is shared by its parcels in proportion to their weight
// (largest remainders, so the shares add up to the charge), each share a
// leg of its own, "<leg id>/<shipment id>", paid from its sub-order's
// escrow. Each leg is paid under its carrier's id and its leg id
// (domain.LegPaymentRef), since another carrier may choose the same leg id.
func (s *Service) applyCharge(ctx context.Context, r Repository, targets []domain.Shipment, onward bool, ev CarrierEvent) (bool, error) {
	c := ev.Charge
	if c == nil || c.LegID == "" || !c.Kind.Valid() || c.Amount.Amount <= 0 {
		return false, apperr.InvalidField("charge", "needs a leg id, a kind of leg and a positive amount")
	}
	currency := targets[0].GoodsPrice.Currency
	if c.Amount.Currency != currency {
		return false, apperr.InvalidField("charge.currency", "must be "+currency+", the currency the parcel was booked in")
	}
	weights := make([]int64, len(targets))
	for i, sh := range targets {
		weights[i] = sh.WeightG
	}
	shares := domain.SplitByWeight(c.Amount.Amount, weights)
	fresh := false
	for i, sh := range targets {
		leg := domain.Leg{LegID: c.LegID, ShipmentID: sh.ID, Kind: c.Kind, Amount: money.Money{Amount: shares[i], Currency: currency},
			ConfirmedAt: ev.OccurredAt.UTC(), EventID: ev.ID}
		if onward {
			leg.LegID = domain.ShareLegID(c.LegID, sh.ID)
		}
		if leg.Amount.Amount == 0 {
			continue // a share too small to charge
		}
		leg.PaymentRef = domain.LegPaymentRef(sh.CarrierID, leg.LegID)
		isNew, err := r.InsertLeg(ctx, sh.CarrierID, leg)
		if err != nil {
			return false, err
		}
		if !isNew {
			continue
		}
		fresh = true
		if err := r.Emit(ctx, Event{Subject: SubjectFreightLegConfirmed, Payload: &logisticsv1.FreightLegConfirmed{
			ShipmentId: sh.ID.String(), SubOrderId: sh.SubOrderID.String(), LegId: leg.LegID, Kind: string(leg.Kind),
			Amount: moneyProto(leg.Amount), ConfirmedAt: timestamppb.New(leg.ConfirmedAt),
		}}); err != nil {
			return false, err
		}
	}
	return fresh, nil
}

// effectEvents are the facts an applied event makes known, naming the
// parcel by waybill (and, delivered, its carrier by code).
func effectEvents(sh domain.Shipment, fx domain.Effects, waybill, carrierCode string) []Event {
	var out []Event
	if fx.PickedUp {
		out = append(out, Event{Subject: SubjectShipmentPickedUp, Payload: &logisticsv1.ShipmentPickedUp{
			ShipmentId: sh.ID.String(), SubOrderId: sh.SubOrderID.String(), Waybill: waybill, PickedUpAt: timestamppb.New(*sh.PickedUpAt),
		}})
	}
	if fx.Delivered {
		out = append(out, Event{Subject: SubjectShipmentDelivered, Payload: &logisticsv1.ShipmentDelivered{
			ShipmentId: sh.ID.String(), SubOrderId: sh.SubOrderID.String(), OrderId: sh.OrderID.String(),
			Kind: string(sh.Kind), ReturnId: sh.ReturnID, Waybill: waybill, CarrierCode: carrierCode, DeliveredAt: timestamppb.New(*sh.DeliveredAt),
		}})
	}
	if fx.Returned {
		out = append(out, Event{Subject: SubjectShipmentReturned, Payload: &logisticsv1.ShipmentReturned{
			ShipmentId: sh.ID.String(), SubOrderId: sh.SubOrderID.String(), Waybill: waybill, ReturnedAt: timestamppb.New(sh.LastEventAt),
			Kind: string(sh.Kind), ReturnId: sh.ReturnID,
		}})
	}
	return out
}

// feedOf names an endpoint's event feed, whose cursor is kept: its
// environment and URL (a carrier may serve both environments at one URL,
// and an endpoint moved to another URL is another system).
func feedOf(environment string, ep domain.Endpoint) string {
	return environment + " " + ep.APIURL
}

// PollCarrier reads a carrier's event feed (its endpoint's in the service's
// environment) from where it was left and applies every event: the path that catches events whose webhooks were
// lost. It returns how many events were new. An event the service cannot
// read or apply (an unknown type, a parcel it did not book) is logged and
// skipped, so one bad event does not stop the feed; one refused for now (a
// consolidation's onward booking not stored yet) is parked and the feed
// read on: the carrier's other parcels are not held up behind it. Parked
// events are applied first, each read, once their booking is stored.
func (s *Service) PollCarrier(ctx context.Context, car domain.Carrier, pageSize int, log *slog.Logger) (int, error) {
	ep, ok := car.Endpoint(s.cfg.Environment)
	if !ok {
		return 0, nil
	}
	applied, err := s.applyParked(ctx, car, pageSize, log)
	if err != nil {
		// The feed is read all the same: the parked events wait for the
		// next read, the carrier's other parcels do not.
		log.Warn("applying a carrier's parked events failed; the next read tries again", "carrier", car.Code, "error", err)
	}
	feed := feedOf(s.cfg.Environment, ep)
	after, err := s.store.FeedCursor(ctx, car.ID, feed)
	if err != nil {
		return applied, err
	}
	for {
		events, more, err := s.carriers.Events(ctx, ep, after, pageSize)
		if err != nil {
			return applied, err
		}
		for _, ev := range events {
			if ev.Unreadable != "" {
				log.Warn("skipped a carrier feed event this service cannot read", "carrier", car.Code, "seq", ev.Seq, "event_id", ev.ID, "why", ev.Unreadable)
				after = max(after, ev.Seq)
				continue
			}
			fresh, err := s.ApplyCarrierEvent(ctx, car, ev)
			switch {
			case err == nil:
			case refused(err):
				// not ours or malformed: nothing to apply, ever
				log.Warn("skipped a carrier feed event that applies to nothing here", "carrier", car.Code, "seq", ev.Seq, "event_id", ev.ID, "error", err)
			case errors.Is(err, ErrOnwardBookingNotStored):
				if err := s.store.ParkCarrierEvent(ctx, car.ID, ev, s.clock()); err != nil {
					return applied, errors.Join(err, s.store.SaveFeedCursor(ctx, car.ID, feed, after, s.clock()))
				}
			default:
				return applied, errors.Join(err, s.store.SaveFeedCursor(ctx, car.ID, feed, after, s.clock()))
			}
			if fresh {
				applied++
			}
			after = max(after, ev.Seq)
		}
		if err := s.store.SaveFeedCursor(ctx, car.ID, feed, after, s.clock()); err != nil {
			return applied, err
		}
		if !more || len(events) == 0 {
			return applied, nil
		}
	}
}

// applyParked applies a carrier's parked events whose onward booking is
// stored by now (up to limit, oldest first; Tracking.ParkedCarrierEvents)
// and removes those applied or found to apply to nothing; one whose
// booking is not stored after all stays parked. It returns how many were
// new.
func (s *Service) applyParked(ctx context.Context, car domain.Carrier, limit int, log *slog.Logger) (int, error) {
	parked, err := s.store.ParkedCarrierEvents(ctx, car.ID, limit)
	if err != nil || len(parked) == 0 {
		return 0, err
	}
	applied := 0
	var done []int64
	for _, p := range parked {
		fresh, err := s.ApplyCarrierEvent(ctx, car, p.Event)
		switch {
		case err == nil:
		case errors.Is(err, ErrOnwardBookingNotStored):
			continue
		case refused(err):
			log.Warn("dropped a parked carrier event that applies to nothing here", "carrier", car.Code,
				"event_id", p.Event.ID, "parked_at", p.ParkedAt, "error", err)
		default:
			return applied, errors.Join(err, s.store.UnparkCarrierEvents(ctx, done))
		}
		if fresh {
			applied++
		}
		done = append(done, p.ID)
	}
	return applied, s.store.UnparkCarrierEvents(ctx, done)
}
