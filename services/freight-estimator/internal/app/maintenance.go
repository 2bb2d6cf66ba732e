package app

import (
	"context"
	"log/slog"
	"time"
)

// maintenanceStart delays the first pruning a little after start-up, so the
// service serves before it cleans.
const maintenanceStart = 30 * time.Second

// RunMaintenance prunes old history every interval until ctx ends.
func (s *Service) RunMaintenance(ctx context.Context, interval time.Duration, log *slog.Logger) error {
	delay := min(maintenanceStart, interval)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(delay):
		}
		delay = interval
		n, err := s.Prune(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("pruning shipment history", "error", err)
		case n > 0:
			log.Info("pruned shipment history", "records", n)
		}
		routes, records := s.history.Stats()
		log.Debug("history in memory", "routes", routes, "records", records)
	}
}
