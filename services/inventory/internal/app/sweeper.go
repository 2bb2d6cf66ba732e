package app

import (
	"context"
	"log/slog"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

// ExpireDue expires active reservations whose time is up, at most limit of
// them, one transaction each, and returns how many it expired. Reservations
// another transaction holds (being committed or released right now) are
// skipped, so the sweeper never waits behind them and several replicas can
// sweep at once.
func (s *Service) ExpireDue(ctx context.Context, limit int) (int, error) {
	n := 0
	for n < limit {
		found := false
		err := s.store.InTx(ctx, func(r Repository) error {
			now := s.clock()
			expired := false
			res, ok, err := r.UpdateDueReservation(ctx, now, func(res *domain.Reservation) ([]outbox.Message, error) {
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
			return s.finish(ctx, r, res, domain.MoveExpiry, SystemActor, now)
		})
		if err != nil {
			return n, err
		}
		if !found {
			return n, nil
		}
		n++
	}
	return n, nil
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
			if n < sweepBatch || err != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
