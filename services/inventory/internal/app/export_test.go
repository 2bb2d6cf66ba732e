package app

import (
	"context"

	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

// ReserveAsOneBatch applies the inputs as one group-committed batch, in
// order, as concurrent Reserve calls would be, so tests choose the batch.
func ReserveAsOneBatch(ctx context.Context, s *Service, c auth.Caller, in []ReserveInput) ([]domain.Reservation, []error) {
	calls := make([]*reserveCall, len(in))
	for i, x := range in {
		req, err := domain.NewReserveRequest(x.OrderID, x.Lines, x.TTL)
		if err != nil {
			panic(err) // the tests give valid input
		}
		ttl := req.TTL
		if ttl == 0 {
			ttl = s.cfg.ReservationTTL
		}
		calls[i] = &reserveCall{actor: c.Subject, req: req, ttl: ttl, ctx: ctx, done: make(chan struct{})}
	}
	s.reserves.apply(calls)
	res, errs := make([]domain.Reservation, len(in)), make([]error, len(in))
	for i, c := range calls {
		<-c.done
		res[i], errs[i] = c.res, c.err
	}
	return res, errs
}

// QueuedReservations is how many Reserve calls wait for a batch.
func QueuedReservations(s *Service) int {
	s.reserves.mu.Lock()
	defer s.reserves.mu.Unlock()
	return len(s.reserves.queue)
}

// RunningReserveBatches is how many reservation batch runners are running.
func RunningReserveBatches(s *Service) int {
	s.reserves.mu.Lock()
	defer s.reserves.mu.Unlock()
	return s.reserves.running
}
