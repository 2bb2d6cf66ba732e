package server

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

type readinessCheck struct {
	name  string
	check func(context.Context) error
}

// AddReadiness registers a check that must pass before the server reports
// SERVING. Checks run concurrently every ReadinessInterval with that interval
// as their timeout; a check added while running counts from the next round.
func (s *Server) AddReadiness(name string, check func(context.Context) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checks = append(s.checks, readinessCheck{name: name, check: check})
}

// Ready reports whether every readiness check passed in the latest round and
// the server is not stopping.
func (s *Server) Ready() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ready
}

func (s *Server) runReadiness(ctx context.Context) {
	ticker := time.NewTicker(s.cfg.ReadinessInterval)
	defer ticker.Stop()
	for {
		s.checkOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

func (s *Server) checkOnce(ctx context.Context) {
	s.mu.Lock()
	checks := slices.Clone(s.checks)
	s.mu.Unlock()

	errs := make([]error, len(checks))
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, s.cfg.ReadinessInterval)
			defer cancel()
			errs[i] = runCheck(cctx, c.check)
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return // shutting down: results are meaningless
	}

	var failing []string
	var attrs []any
	for i, err := range errs {
		if err != nil {
			failing = append(failing, checks[i].name)
			attrs = append(attrs, slog.String(checks[i].name, err.Error()))
		}
	}
	s.setReadiness(failing, attrs)
}

// runCheck calls check and turns a panic into a failed check.
func runCheck(ctx context.Context, check func(context.Context) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("check panicked: %v", r)
		}
	}()
	return check(ctx)
}

func (s *Server) setReadiness(failing []string, errAttrs []any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return
	}
	ready := len(failing) == 0
	changed := ready != s.ready || !slices.Equal(failing, s.failing)
	s.ready, s.failing = ready, failing
	if !changed {
		return
	}
	st := healthpb.HealthCheckResponse_NOT_SERVING
	if ready {
		st = healthpb.HealthCheckResponse_SERVING
	}
	s.health.SetServingStatus("", st)
	s.health.SetServingStatus(s.name, st)
	if ready {
		s.log.Info("ready", slog.String("service", s.name))
	} else {
		s.log.Warn("not ready", slog.String("service", s.name), slog.Any("failing", failing), slog.Group("errors", errAttrs...))
	}
}

// beginStopping reports NOT_SERVING for good, so load balancers stop sending
// new calls while in-flight ones drain.
func (s *Server) beginStopping() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopping = true
	s.ready = false
	s.health.Shutdown()
}
