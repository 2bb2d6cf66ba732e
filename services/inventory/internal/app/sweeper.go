package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"google.golang.org/protobuf/types/known/timestamppb"

	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

// ExpireDue expires active reservations whose time is up, at most limit of
// them, one transaction each, and returns how many it expired. Reservations
// another transaction holds (being committed or released right now) are
// skipped, so the sweeper never waits behind them and several replicas can
// sweep at once. One whose expiry fails (its stock levels put wrong by
// hand) is passed over for the rest of the sweep and its error returned at
// the end: before, being the most overdue, it was taken first by every
// sweep of every replica, and no reservation expired any more.
func (s *Service) ExpireDue(ctx context.Context, limit int) (int, error) {
	n := 0
	var skip []uuid.UUID
	var failed error
	for n < limit {
		found := false
		var taken uuid.UUID
		err := s.store.InTx(ctx, func(r Repository) error {
			now := s.clock()
			expired := false
			taken, found = uuid.Nil, false // a retried transaction starts over
			res, ok, err := r.UpdateDueReservation(ctx, now, skip, func(res *domain.Reservation) ([]outbox.Message, error) {
				taken = res.ID
				if expired = res.Expire(SystemActor, now); !expired {
					return nil, nil
				}
				return outbox.Of(SubjectReservationExpired, &inventoryv1.ReservationExpired{
					ReservationId: res.ID.String(), OrderId: res.OrderID, OccurredAt: timestamppb.New(now),
				}), nil
			})
			if err != nil || !ok {
				return err
			}
			found = true
			if !expired {
				return nil
			}
			return s.finish(ctx, r, res, domain.MoveExpiry, SystemActor, now, time.Time{})
		})
		if err != nil && (taken == uuid.Nil || ctx.Err() != nil) {
			return n, errors.Join(failed, err)
		}
		if err != nil {
			skip, failed = append(skip, taken), errors.Join(failed, fmt.Errorf("reservation %s: %w", taken, err))
			continue
		}
		if !found {
			return n, failed
		}
		n++
	}
	return n, failed
}

// sweepBatch bounds the reservations one sweep expires before it yields.
const sweepBatch = 500

// RunSweeper expires due reservations every interval until ctx ends.
func (s *Service) RunSweeper(ctx context.Context, interval time.Duration, log *slog.Logger) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		for {
			n, err := s.ExpireDue(ctx, sweepBatch)
			if err != nil && ctx.Err() == nil {
				log.Warn("expiring reservations", "error", err)
			}
			if n > 0 {
				log.Info("reservations expired", "count", n)
			}
			if n < sweepBatch {
				break // a full batch, even one that passed a reservation over, may have more behind it
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
