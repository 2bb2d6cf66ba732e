package app

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// TaskKind names a step of the saga still to be done.
type TaskKind string

// The saga's steps. Each is a remote command idempotent on its subject (or a
// timer), so running one twice, or after a crash half-way, does no harm.
const (
	// TaskPaymentDeadline cancels an order unpaid at its deadline.
	TaskPaymentDeadline TaskKind = "payment_deadline"
	// TaskHoldOrderStock extends a paid order's reservations for
	// fulfilment, all its sub-orders in one inventory call.
	TaskHoldOrderStock TaskKind = "hold_order_stock"
	// TaskHoldStock extends one paid sub-order's reservation: the step
	// before TaskHoldOrderStock, still run for steps stored by then.
	TaskHoldStock TaskKind = "hold_stock"
	// TaskReleaseStock gives a cancelled sub-order's stock back.
	TaskReleaseStock TaskKind = "release_stock"
	// TaskRefund refunds a cancelled sub-order's escrow to the buyer.
	TaskRefund TaskKind = "refund"
	// TaskCancelShipment cancels a cancelled sub-order's booked parcel, or
	// one booked for a sub-order that shipped by a parcel of its own.
	TaskCancelShipment TaskKind = "cancel_shipment"
	// TaskCommitStock commits a delivered virtual sub-order's stock, or
	// an external parcel's.
	TaskCommitStock TaskKind = "commit_stock"
	// TaskSettle settles a delivered sub-order: due when the buyer confirms
	// or the automatic completion delay ends.
	TaskSettle TaskKind = "settle"
	// TaskPresumeDelivered delivers a sub-order shipped outside our
	// logistics once ExternalDelivery has passed without the buyer's
	// confirmation.
	TaskPresumeDelivered TaskKind = "presume_delivered"
	// TaskConfirmPayment replays a payment learnt from its event or the
	// escrow with finance, and refunds it if the order was cancelled.
	TaskConfirmPayment TaskKind = "confirm_payment"
	// TaskRecordPayment records a payment whose event arrived while the
	// payer's call was still waiting for finance's answer, if that call
	// did not record it.
	TaskRecordPayment TaskKind = "record_payment"
	// TaskCheckTopUp asks finance whether a sub-order awaiting its top-up
	// was settled, in case finance.escrow.settled was lost, and completes
	// it if so; otherwise it looks again later, backing off.
	TaskCheckTopUp TaskKind = "check_top_up"
	// TaskCheckDelivery asks logistics whether a sub-order's parcel was
	// delivered, in case logistics.shipment.delivered was lost, and
	// delivers it if so; otherwise it looks again a day later.
	TaskCheckDelivery TaskKind = "check_delivery"
	// TaskHoldLapsed cancels a paid sub-order still unshipped when the
	// stock hold taken for it ended, in case
	// inventory.reservation.expired was lost.
	TaskHoldLapsed TaskKind = "hold_lapsed"
	// TaskCancelLostParcel cancels the parcel declared lost of a sub-order
	// or of an exchange's replacement, and releases its stock, if the
	// carrier never picked it up.
	TaskCancelLostParcel TaskKind = "cancel_lost_parcel"
)

// TaskKindNames lists every kind of saga step, the after-sale's too: the
// failing-steps gauges report each, at zero while none fails.
func TaskKindNames() []string {
	kinds := []TaskKind{TaskPaymentDeadline, TaskHoldOrderStock, TaskHoldStock, TaskReleaseStock, TaskRefund, TaskCancelShipment,
		TaskCommitStock, TaskSettle, TaskPresumeDelivered, TaskConfirmPayment, TaskRecordPayment,
		TaskCheckTopUp, TaskCheckDelivery, TaskHoldLapsed, TaskCancelLostParcel, TaskBookReturn, TaskReserveReplacement, TaskRestock, TaskReturnRefund, TaskReceiveReturn, TaskReclaimCoupon, TaskExpireReturn,
		TaskReturnParcelBack, TaskCheckReplacement}
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	return names
}

// Task is one saga step: what, on which order or sub-order, and when.
type Task struct {
	Kind     TaskKind
	Subject  uuid.UUID
	OrderID  uuid.UUID
	DueAt    time.Time
	Attempts int
	// Version is the row's as claimed: finishing or retrying a step that
	// was rescheduled while it ran leaves the new schedule alone.
	Version int64
}

// retryAfter is how long a failed step waits, growing with its attempts
// to at most ten minutes.
func retryAfter(attempts int) time.Duration {
	d := time.Second << min(attempts, 10)
	return min(d, 10*time.Minute)
}

// taskLease is how long a claimed task is its replica's: a step's calls
// are bounded by stepTimeout within it, and a replica that died holding
// steps has them run elsewhere when it ends (were a step still running
// then, running it twice is harmless: every step is idempotent).
const (
	taskLease   = 20 * time.Second
	stepTimeout = 15 * time.Second
)

// errNotYet is a step that must wait (legs still being paid, a payment
// still settling): retried later without counting as a failure.
type errNotYet struct{ until time.Time }

func (e errNotYet) Error() string { return "not yet" }

// errHandBack is a claimed step this replica did not run: too little of
// the lease was left, or its kind is one this version does not know. It
// is handed back due at until, as it stood before the claim: its failing
// state is the last run's, not cleared by a replica that never ran it.
type errHandBack struct{ until time.Time }

func (e errHandBack) Error() string { return "handed back" }

// stepConcurrency bounds the steps of one claimed batch that run at once:
// each is mostly a remote call (inventory's holds, finance's refunds), and
// run together their services batch them.
const stepConcurrency = 8

// RunTasks runs up to limit due steps, stepConcurrency at a time, and
// reports how many it claimed. The steps that succeeded are removed
// together. A step whose turn comes when less of the lease is left than a
// step may take is not started but handed back, due at once: a replica
// that claims it when the lease ends would otherwise run it beside this
// one, calling its peer twice at once (harmless, every step being
// idempotent, but a waste where a peer is slow already).
func (s *Service) RunTasks(ctx context.Context, limit int, log *slog.Logger) (int, error) {
	claimed := s.clock()
	tasks, err := s.store.ClaimTasks(ctx, claimed, taskLease, limit)
	if err != nil {
		return 0, err
	}
	leaseEnd := claimed.Add(taskLease)
	results := make([]error, len(tasks))
	slots := make(chan struct{}, stepConcurrency)
	var wg sync.WaitGroup
	for i, t := range tasks {
		slots <- struct{}{}
		if now := s.clock(); leaseEnd.Sub(now) < stepTimeout {
			results[i] = errHandBack{until: now} // due at once
			<-slots
			continue
		}
		wg.Go(func() {
			defer func() { <-slots }()
			stepCtx, cancel := context.WithTimeout(ctx, stepTimeout)
			defer cancel()
			results[i] = s.runTask(stepCtx, t)
		})
	}
	wg.Wait()
	done := make([]Task, 0, len(tasks))
	for i, t := range tasks {
		var wait errNotYet
		var back errHandBack
		switch err := results[i]; {
		case err == nil:
			done = append(done, t)
		case errors.As(err, &wait):
			if err := s.store.PostponeTask(ctx, t, wait.until); err != nil {
				return 0, err
			}
		case errors.As(err, &back):
			if err := s.store.HandBackTask(ctx, t, back.until); err != nil {
				return 0, err
			}
		default:
			log.Warn("saga step failed; retrying", "kind", t.Kind, "subject", t.Subject, "order_id", t.OrderID, "attempts", t.Attempts, "error", err)
			if err := s.store.RetryTask(ctx, t, s.clock().Add(retryAfter(t.Attempts)), apperr.Summary(err)); err != nil {
				return 0, err
			}
		}
	}
	if err := s.store.FinishTasks(ctx, done...); err != nil {
		return 0, err
	}
	return len(tasks), nil
}

func (s *Service) runTask(ctx context.Context, t Task) error {
	switch t.Kind {
	case TaskPaymentDeadline:
		return s.paymentDeadline(ctx, t.OrderID)
	case TaskHoldOrderStock:
		return s.holdStock(ctx, t.OrderID)
	case TaskHoldStock:
		return s.holdStock(ctx, t.OrderID, t.Subject)
	case TaskReleaseStock:
		return s.Inventory.Release(ctx, t.Subject, "order cancelled")
	case TaskRefund:
		return s.refundStep(ctx, t.OrderID, t.Subject)
	case TaskCancelShipment:
		return s.cancelShipment(ctx, t.OrderID, t.Subject)
	case TaskCommitStock:
		return s.commitStock(ctx, t.OrderID, t.Subject)
	case TaskSettle:
		return s.settle(ctx, t.OrderID, t.Subject)
	case TaskConfirmPayment:
		return s.confirmPayment(ctx, t.OrderID)
	case TaskRecordPayment:
		return s.recordPayment(ctx, t.OrderID)
	case TaskPresumeDelivered:
		return s.presumeDelivered(ctx, t.OrderID, t.Subject)
	case TaskCheckTopUp:
		return s.checkTopUp(ctx, t.OrderID, t.Subject, t.Attempts)
	case TaskCheckDelivery:
		return s.checkDelivery(ctx, t.OrderID, t.Subject)
	case TaskHoldLapsed:
		return s.holdLapsed(ctx, t.Subject)
	case TaskCancelLostParcel:
		return s.cancelLostParcel(ctx, t.Subject)
	}
	if ok, err := s.runAfterSaleTask(ctx, t); ok {
		return err
	}
	// A kind a newer version scheduled (its replicas beside this one during
	// a rolling update): handed back, never dropped, for a replica that
	// knows it to run.
	return errHandBack{until: s.clock().Add(unknownTaskWait)}
}

// unknownTaskWait is how long a step of a kind this version does not know
// waits before it is looked at again.
const unknownTaskWait = time.Minute

// Wake returns the channel a command signals when it scheduled work due
// now, so the runner need not wait for its next round.
func (s *Service) Wake() <-chan struct{} { return s.wake }

func task(kind TaskKind, subject, order uuid.UUID, due time.Time) Task {
	return Task{Kind: kind, Subject: subject, OrderID: order, DueAt: due}
}

// sagaBatch is how many due steps RunSaga claims at once.
const sagaBatch = 100

// RunSaga runs due steps until ctx ends: at once while a full batch
// suggests there are more, when a command signals new work, and every
// interval otherwise. (A batch that was not full needs no second look:
// steps scheduled meanwhile signal, and later ones fall due by the
// interval.)
func (s *Service) RunSaga(ctx context.Context, interval time.Duration, log *slog.Logger) error {
	for {
		n, err := s.RunTasks(ctx, sagaBatch, log)
		if err != nil && ctx.Err() == nil {
			log.Warn("running saga steps failed; retrying", "error", err)
		}
		if n == sagaBatch && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
		case <-time.After(interval):
		}
	}
}

// commitStock commits a sub-order's reserved stock. A reservation inventory
// refuses for good (it lapsed or was given back before the goods left) is
// not asked again: the goods are gone, so the count is an operator's to
// correct, and the refusal is noted in the order's change log where they
// look.
func (s *Service) commitStock(ctx context.Context, orderID, subID uuid.UUID) error {
	refusal := s.Inventory.Commit(ctx, subID)
	if refusal == nil || !apperr.RefusedForGood(refusal) {
		return refusal
	}
	return s.noteForOperator(ctx, orderID, subID, "stock not committed, inventory's count needs an operator: "+apperr.Summary(refusal))
}

// cancelShipment cancels the parcel booked for a cancelled sub-order (or
// an expired exchange's replacement). One the carrier picked up first can
// no longer be: its goods travel to a buyer who was refunded, which only an
// operator can settle. Noted for one, the step ends, rather than failing
// for ever with nothing but the failing-steps gauge to show for it.
func (s *Service) cancelShipment(ctx context.Context, orderID, subject uuid.UUID) error {
	err := s.Logistics.Cancel(ctx, subject, "order cancelled")
	var e *apperr.Error
	if !errors.As(err, &e) || e.Kind != apperr.KindFailedPrecondition || e.Reason != "ALREADY_PICKED_UP" {
		return err
	}
	sub, what := subject, "its parcel"
	switch a, err := s.store.GetAfterSale(ctx, subject, false); {
	case err == nil:
		// An expired exchange's replacement, under its request's id.
		sub, what = a.SubOrderID, "exchange "+a.ID.String()+": its replacement's parcel"
	case !apperr.IsKind(err, apperr.KindNotFound):
		return err
	}
	return s.noteForOperator(ctx, orderID, sub,
		what+" was picked up before it could be cancelled: the goods travel on; needs an operator")
}

// noteForOperator notes in a sub-order's change log, without moving it,
// something only an operator can put right: the change log is where they
// look.
func (s *Service) noteForOperator(ctx context.Context, orderID, subID uuid.UUID, reason string) error {
	return s.store.InTx(ctx, func(r Repository) error {
		o, err := r.GetOrder(ctx, orderID, true)
		if err != nil {
			return err
		}
		sub := o.SubOrder(subID)
		if sub == nil {
			return nil
		}
		return r.AppendChanges(ctx, []domain.Change{{OrderID: orderID, SubOrderID: subID, From: sub.Status, To: sub.Status, Actor: system,
			Reason: reason, At: s.clock()}})
	})
}
