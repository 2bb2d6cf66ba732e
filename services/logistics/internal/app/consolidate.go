package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	logisticsv1 "github.com/crossdock/crossdock/gen/crossdock/logistics/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
)

// BookOnward books the parcels waiting at the central warehouse onward to
// their addresses and returns how many parcels it booked. Parcels of one
// buyer to one address by one method (and in one currency) go together,
// as one carrier booking, once the first of them has waited the
// consolidation window. The group is written first under a new
// consolidation id, which is the booking's reference: a crash between the
// carrier's answer and the commit is finished by the next round, and the
// carrier answers the same waybill. A carrier that fails for now (down,
// timing out, rate limiting, refusing our credentials until an operator
// fixes them) has its other groups left for the next round
// and the other carriers' groups go on, as with perCarrier: one carrier
// down holds up none of the others' parcels at the warehouse, even when
// its own fill the round's read (the warehouse is read again without it).
func (s *Service) BookOnward(ctx context.Context, batch int, log *slog.Logger) (int, error) {
	now := s.clock()
	down := map[uuid.UUID]bool{}
	booked := 0
	var failed []error
	for {
		waiting, err := s.store.WaitingAtCentral(ctx, now, batch, slices.Collect(maps.Keys(down)))
		if err != nil {
			return booked, err
		}
		wentDown := len(down)
		n, errs, err := s.bookWaiting(ctx, now, waiting, down, log)
		booked += n
		failed = append(failed, errs...)
		if err != nil {
			return booked, err
		}
		// Each read again leaves out one more carrier at least, so this
		// ends; a full read none of whose carriers failed waits for the
		// next round, as its parcels are booked and out of the way.
		if len(waiting) < batch || len(down) == wentDown {
			return booked, errors.Join(failed...)
		}
	}
}

// bookWaiting books one read of the central warehouse onward, group by
// group, and adds to down the carriers that failed for now; their groups
// are skipped and their errors returned in failed. err is a failure that
// ends the round.
func (s *Service) bookWaiting(ctx context.Context, now time.Time, waiting []domain.Shipment, down map[uuid.UUID]bool,
	log *slog.Logger) (booked int, failed []error, err error) {
	window := s.timing().Scaled(s.cfg.ConsolidationWindow)
	groups := map[string][]domain.Shipment{}
	var order []string
	for _, sh := range waiting {
		key := sh.ConsolidationID.String()
		if sh.ConsolidationID == uuid.Nil {
			key = consolidationKey(sh)
		}
		if _, seen := groups[key]; !seen {
			order = append(order, key)
		}
		groups[key] = append(groups[key], sh)
	}
	for _, key := range order {
		group := groups[key]
		carrier := group[0].CarrierID
		if down[carrier] {
			continue
		}
		consolidation := group[0].ConsolidationID
		if consolidation == uuid.Nil {
			if now.Sub(*group[0].AtCentralAt) < window {
				continue // the first parcel has not waited long enough
			}
			if consolidation, err = s.consolidate(ctx, group); err != nil {
				return booked, failed, err
			}
		} else if group, err = s.store.WaitingInConsolidation(ctx, consolidation); err != nil {
			// Consolidated in an earlier round whose booking failed: the
			// whole consolidation goes on, not the part of it this round's
			// read of the warehouse happened to hold.
			return booked, failed, err
		}
		if len(group) == 0 {
			continue
		}
		if err := s.bookConsolidation(ctx, consolidation, group); err != nil {
			if !refusedForGood(err) { // down, or our credentials refused: for the next round
				down[carrier] = true
				failed = append(failed, err)
				continue
			}
			// Asked again later (an operator may change the carrier or the
			// method meanwhile), and out of the way of the parcels behind.
			retry := now.Add(onwardRefusalRetry)
			log.Error("the carrier refused a consolidated onward booking; an operator must look", "consolidation_id", consolidation,
				"parcels", len(group), "retry_at", retry, "error", err)
			if err := s.store.DeferOnward(ctx, consolidation, retry); err != nil {
				return booked, failed, err
			}
			continue
		}
		booked += len(group)
	}
	return booked, failed, nil
}

// onwardRefusalRetry is how long a consolidation whose onward booking the
// carrier refused waits before it is asked again: an operator's time, not
// the carrier's, so not scaled with the simulated carriers' clock.
const onwardRefusalRetry = time.Hour

// consolidationKey groups parcels that may travel on together: one
// booking declares one value, so their declared values share a currency
// too (orders declares the estimator's base-currency figure, or the goods'
// price when it has none).
func consolidationKey(sh domain.Shipment) string {
	to, _ := json.Marshal(sh.To)
	central, _ := json.Marshal(sh.Central)
	return sh.BuyerID + "|" + sh.MethodID.String() + "|" + sh.GoodsPrice.Currency + "|" + sh.DeclaredValue.Currency + "|" +
		string(to) + "|" + string(central)
}

// consolidate writes the group's new consolidation id on all of its
// parcels, or on none. Another replica may have consolidated some of them
// since they were read (its read predating a parcel's arrival, say): the
// write and its check share one transaction, so a mismatch rolls back, and
// no parcel is left in a consolidation of its own that would skip its
// waiting window and be booked onward alone next round.
func (s *Service) consolidate(ctx context.Context, group []domain.Shipment) (uuid.UUID, error) {
	id := uuid.New()
	ids := make([]uuid.UUID, len(group))
	for i, sh := range group {
		ids[i] = sh.ID
	}
	err := s.store.InTx(ctx, func(r Repository) error {
		n, err := r.SetConsolidation(ctx, ids, id)
		if err != nil {
			return err
		}
		if n != len(group) {
			return apperr.Aborted("parcels at the central warehouse changed while being consolidated")
		}
		return nil
	})
	if err != nil {
		return uuid.Nil, err
	}
	return id, nil
}

// bookConsolidation books a consolidation's parcels as one and stores the
// onward waybill on each.
func (s *Service) bookConsolidation(ctx context.Context, consolidation uuid.UUID, group []domain.Shipment) error {
	first := group[0]
	m, err := s.store.GetMethod(ctx, first.MethodID)
	if err != nil {
		return err
	}
	car, err := s.store.GetCarrier(ctx, first.CarrierID)
	if err != nil {
		return err
	}
	ep, err := s.endpoint(car)
	if err != nil {
		return err
	}
	b := Booking{Reference: consolidation.String(), Service: m.Code, From: *first.Central, To: first.To,
		DeclaredValue: money.Money{Currency: first.DeclaredValue.Currency}, ChargeCurrency: first.GoodsPrice.Currency}
	for _, sh := range group {
		b.WeightG += sh.WeightG
		b.VolumeCM3 += sh.VolumeCM3
		if b.DeclaredValue, err = b.DeclaredValue.Add(sh.DeclaredValue); err != nil {
			// Consolidated before declared currencies were kept apart: an
			// operator's, and not a reason to hold up every other group.
			return apperr.FailedPrecondition(fmt.Sprintf("the consolidation's parcels declare values in %s and %s",
				first.DeclaredValue.Currency, sh.DeclaredValue.Currency)).Wrap(err)
		}
	}
	waybill, err := s.carriers.Book(ctx, ep, b)
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(r Repository) error {
		now := s.clock()
		for _, g := range group {
			sh, err := r.GetShipment(ctx, g.ID, true)
			if err != nil {
				return err
			}
			if sh.OnwardWaybill != "" {
				continue
			}
			sh.BookOnward(consolidation, waybill, m.Speed, s.timing(), now)
			if err := r.SaveShipment(ctx, sh); err != nil {
				return err
			}
			if err := r.Emit(ctx, Event{Subject: SubjectShipmentBooked, Payload: &logisticsv1.ShipmentBooked{
				ShipmentId: sh.ID.String(), SubOrderId: sh.SubOrderID.String(), OrderId: sh.OrderID.String(),
				Kind: string(sh.Kind), ReturnId: sh.ReturnID, CarrierCode: car.Code, Waybill: waybill,
				BookedAt: timestamppb.New(now),
			}}); err != nil {
				return err
			}
		}
		return nil
	})
}
