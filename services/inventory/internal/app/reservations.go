package app

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

// ErrOperatorsOrServices is returned to callers that may not read
// reservations.
var ErrOperatorsOrServices = apperr.PermissionDenied("this method is for services and operators").WithReason("SERVICES_AND_OPERATORS_ONLY")

// ReserveInput asks to reserve an order's lines.
type ReserveInput struct {
	OrderID string
	Lines   []domain.OrderLine
	// TTL is how long the hold lasts; zero for the default.
	TTL time.Duration
}

// Reserve holds stock for every line of an order, or for none. Lines of the
// same SKU are combined; each SKU is filled from the warehouses with the most
// available first, split across warehouses when needed. It is idempotent on
// the order id: the same lines again return the reservation made first (and
// a ttl given again extends an active one's expiry, never shortening it),
// other lines are AlreadyExists. Services only.
//
// The stock rows of the SKUs are locked (in the global order) before
// availability is read, so two reservations of the same stock run one after
// the other and the second sees what the first took. Concurrent calls are
// group-committed: many reservations share one transaction and one disk
// flush, each with its own answer (see reserveBatcher).
func (s *Service) Reserve(ctx context.Context, c auth.Caller, in ReserveInput) (domain.Reservation, error) {
	if !c.IsService() {
		return domain.Reservation{}, ErrServicesOnly
	}
	req, err := domain.NewReserveRequest(in.OrderID, in.Lines, in.TTL)
	if err != nil {
		return domain.Reservation{}, err
	}
	ttl := req.TTL
	if ttl == 0 {
		ttl = s.cfg.ReservationTTL
	}
	return s.reserves.reserve(ctx, reserveCall{actor: c.Subject, req: req, ttl: ttl})
}

// MaxReserveMany bounds one ReserveMany call.
const MaxReserveMany = 200

// ReserveResult is one order's answer to ReserveMany.
type ReserveResult struct {
	Reservation domain.Reservation
	Err         error
}

// ReserveMany is Reserve for several orders at once, each answered on its
// own. The calls are queued together, so they share the group commit's
// transactions as concurrent Reserve calls do; a caller placing a page of
// orders pays one round trip instead of one per order.
func (s *Service) ReserveMany(ctx context.Context, c auth.Caller, ins []ReserveInput) ([]ReserveResult, error) {
	if !c.IsService() {
		return nil, ErrServicesOnly
	}
	if len(ins) > MaxReserveMany {
		return nil, apperr.InvalidField("reservations", fmt.Sprintf("at most %d per call", MaxReserveMany))
	}
	out := make([]ReserveResult, len(ins))
	var wg sync.WaitGroup
	for i, in := range ins {
		wg.Go(func() { out[i].Reservation, out[i].Err = s.Reserve(ctx, c, in) })
	}
	wg.Wait()
	return out, nil
}

// reserveBatch applies validated reservation calls in r's transaction and
// returns each call's answer; a refused call gets its own error and leaves
// nothing behind. Its round trips do not grow with the calls: the orders'
// reservations are claimed, or locked when they exist, in one statement each
// (reservation rows before stock rows, as everywhere); the SKUs are read and
// their stock rows locked in one statement each; the calls are decided in
// memory (domain.DecideReservations); and reservations, their lines, stock
// and journal are written with one multi-row statement each in one round
// trip, and the events with one more.
func (s *Service) reserveBatch(ctx context.Context, r Repository, calls []*reserveCall) ([]domain.ReserveDecision, error) {
	now := s.clock()
	in := make([]domain.ReserveCall, len(calls))
	seen := map[string]bool{}
	var fresh []domain.Reservation
	for i, c := range calls {
		in[i] = domain.ReserveCall{Req: c.req, TTL: c.ttl, Actor: c.actor}
		if !seen[c.req.OrderID] {
			seen[c.req.OrderID] = true
			fresh = append(fresh, domain.NewReservation(c.req, c.ttl, c.actor, now))
		}
	}
	won, err := r.ClaimReservations(ctx, fresh)
	if err != nil {
		return nil, err
	}
	claimed := map[string]domain.Reservation{}
	var held []string
	for _, res := range fresh {
		if won[res.OrderID] {
			claimed[res.OrderID] = res
		} else {
			held = append(held, res.OrderID)
		}
	}
	existing, err := r.LockReservations(ctx, held)
	if err != nil {
		return nil, err
	}
	var ids []uuid.UUID
	for _, c := range calls {
		if _, ok := claimed[c.req.OrderID]; ok {
			ids = append(ids, reserveSKUs(c.req)...)
		}
	}
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return domain.StockKey{SKUID: a}.Compare(domain.StockKey{SKUID: b}) })
	ids = slices.Compact(ids)
	var skus map[uuid.UUID]domain.SKU
	var levels []domain.Level
	if len(ids) > 0 {
		if skus, levels, err = r.SKUsAndLockedLevels(ctx, ids); err != nil {
			return nil, err
		}
	}

	out := domain.DecideReservations(in, claimed, existing, skus, levels, now)

	var events []Event
	for _, d := range out.Decisions {
		if d.Err != nil || len(d.Moves) == 0 {
			continue
		}
		events = append(events, stockEvents(d.Moves)...)
		events = append(events, reservedEvent(d.Reservation, now))
	}
	return out.Decisions, r.SaveReserveBatch(ctx, out, now, events...)
}

// reservedEvent is ReservationReserved for a new reservation.
func reservedEvent(res domain.Reservation, now time.Time) Event {
	ev := &inventoryv1.ReservationReserved{
		ReservationId: res.ID.String(), OrderId: res.OrderID,
		ExpiresAt: timestamppb.New(res.ExpiresAt), OccurredAt: timestamppb.New(now),
	}
	for _, l := range res.Lines {
		ev.Lines = append(ev.Lines, &inventoryv1.ReservedLine{
			SkuId: l.SKUID.String(), WarehouseId: l.WarehouseID.String(), Quantity: l.Quantity,
		})
	}
	return Event{Subject: SubjectReservationReserved, Payload: ev}
}

// reserveSKUs lists the SKUs of a request's (combined, sorted) lines.
func reserveSKUs(req domain.ReserveRequest) []uuid.UUID {
	ids := make([]uuid.UUID, len(req.Lines))
	for i, l := range req.Lines {
		ids[i] = l.SKUID
	}
	return ids
}

// Commit turns an order's reservation into a shipment: on-hand and reserved
// stock fall by the reserved lines. goodsLeft, when not zero, is when the
// goods left the warehouse (the carrier's pick-up; taken between the
// reservation and now): a level an ERP counted since then
// (domain.CountedAfterLeaving) already took them off on-hand, so only its
// reserved stock falls, and a count as of a moment after it, applied
// later, does not take them off again. A committed reservation commits
// again as a no-op; a released or expired one cannot. Services only.
func (s *Service) Commit(ctx context.Context, c auth.Caller, orderID string, goodsLeft time.Time) (domain.Reservation, error) {
	if !c.IsService() {
		return domain.Reservation{}, ErrServicesOnly
	}
	orderID, err := domain.Text("order_id", orderID, 128, true)
	if err != nil {
		return domain.Reservation{}, err
	}
	var res domain.Reservation
	err = s.store.InTx(ctx, func(r Repository) error {
		now := s.clock()
		changed := false
		res, err = r.UpdateReservation(ctx, orderID, func(res *domain.Reservation) ([]outbox.Message, error) {
			var err error
			if changed, err = res.Commit(c.Subject, now); err != nil || !changed {
				return nil, err
			}
			return outbox.Of(SubjectReservationCommitted, &inventoryv1.ReservationCommitted{
				ReservationId: res.ID.String(), OrderId: res.OrderID, OccurredAt: timestamppb.New(now),
			}), nil
		})
		if err != nil || !changed {
			return err
		}
		// Goods leave after they were reserved and before now: a time
		// outside that is another clock's error.
		if goodsLeft.After(now) {
			goodsLeft = now
		}
		if !goodsLeft.IsZero() && goodsLeft.Before(res.CreatedAt) {
			goodsLeft = res.CreatedAt
		}
		return s.finish(ctx, r, res, domain.MoveCommit, c.Subject, now, goodsLeft)
	})
	if err != nil {
		return domain.Reservation{}, err
	}
	return res, nil
}

// Release cancels an order's reservation and gives its stock back. Releasing
// a reservation that holds nothing any more (released or expired) is a
// no-op; a committed one has shipped and cannot be released. Services only.
func (s *Service) Release(ctx context.Context, c auth.Caller, orderID, reason string) (domain.Reservation, error) {
	if !c.IsService() {
		return domain.Reservation{}, ErrServicesOnly
	}
	orderID, err := domain.Text("order_id", orderID, 128, true)
	reason, rerr := domain.Text("reason", reason, 500, false)
	if v := appendViolations(appendViolations(nil, err), rerr); len(v) > 0 {
		return domain.Reservation{}, apperr.Invalid(v...)
	}
	if reason == "" {
		reason = "cancelled"
	}
	var res domain.Reservation
	err = s.store.InTx(ctx, func(r Repository) error {
		now := s.clock()
		changed := false
		res, err = r.UpdateReservation(ctx, orderID, func(res *domain.Reservation) ([]outbox.Message, error) {
			var err error
			if changed, err = res.Release(c.Subject, reason, now); err != nil || !changed {
				return nil, err
			}
			return outbox.Of(SubjectReservationReleased, &inventoryv1.ReservationReleased{
				ReservationId: res.ID.String(), OrderId: res.OrderID, Reason: reason, OccurredAt: timestamppb.New(now),
			}), nil
		})
		if err != nil || !changed {
			return err
		}
		return s.finish(ctx, r, res, domain.MoveRelease, c.Subject, now, time.Time{})
	})
	if err != nil {
		return domain.Reservation{}, err
	}
	return res, nil
}

// GetReservation returns an order's reservation to services and operators.
func (s *Service) GetReservation(ctx context.Context, c auth.Caller, orderID string) (domain.Reservation, error) {
	if !c.IsService() && !c.IsOperator() {
		return domain.Reservation{}, ErrOperatorsOrServices
	}
	orderID, err := domain.Text("order_id", orderID, 128, true)
	if err != nil {
		return domain.Reservation{}, err
	}
	return s.store.GetReservation(ctx, orderID)
}

// finish gives a finished reservation's held stock back (release, expiry) or
// ships it (commit), in the transaction that changed its status, so reserved
// stock always equals the lines of active reservations. The caller holds the
// reservation's row lock; the stock rows are locked after it, as everywhere.
// A commit's goodsLeft, when not zero, is when its goods left: a level
// counted since keeps its on-hand (the count did without them).
func (s *Service) finish(ctx context.Context, r stockWriter, res domain.Reservation, kind domain.MovementKind, actor string, now, goodsLeft time.Time) error {
	keys := make([]domain.StockKey, len(res.Lines))
	for i, l := range res.Lines {
		keys[i] = l.StockKey
	}
	levels, err := r.LockLevels(ctx, keys, false, now)
	if err != nil {
		return err
	}
	var counted map[domain.StockKey]time.Time
	if kind == domain.MoveCommit && !goodsLeft.IsZero() {
		if counted, err = r.LastCounted(ctx, keys); err != nil {
			return err
		}
	}
	byKey := make(map[domain.StockKey]*domain.Level, len(levels))
	for i := range levels {
		byKey[levels[i].StockKey] = &levels[i]
	}
	moves := make([]domain.Movement, 0, len(res.Lines))
	for _, l := range res.Lines {
		level, ok := byKey[l.StockKey]
		if !ok {
			return fmt.Errorf("inventory: stock row %v of a reservation line is missing", l.StockKey)
		}
		var m domain.Movement
		switch at, ok := counted[l.StockKey]; {
		case kind != domain.MoveCommit:
			m, err = level.Unreserve(kind, l.Quantity)
		case ok && domain.CountedAfterLeaving(at, goodsLeft):
			m, err = level.ShipCounted(l.Quantity)
		default:
			m, err = level.Ship(l.Quantity)
		}
		if err != nil {
			return err
		}
		if kind == domain.MoveCommit && !goodsLeft.IsZero() {
			m.GoodsLeftAt = &goodsLeft
		}
		moves = append(moves, m)
	}
	stamp(moves, actor, res.Reason, res.OrderID, now)
	return applyMovements(ctx, r, moves, now)
}
