package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/crossdock/crossdock/pkg/periodic"
)

// keyPurgeBatch bounds the keys one statement deletes, so a purge after a
// long pause never holds one long transaction over the table.
const keyPurgeBatch = 1000

// PurgeKeys deletes the idempotency keys older than KeyRetention and
// returns how many it deleted. Nothing else reads them: what a keyed command
// did stays in the stock journal, the purchase order and the events.
func (s *Service) PurgeKeys(ctx context.Context) (int, error) {
	before := s.clock().Add(-s.cfg.KeyRetention)
	return periodic.Drain(ctx, keyPurgeBatch, func(ctx context.Context, limit int) (int, error) {
		return s.store.DeleteKeysBefore(ctx, before, limit)
	})
}

// RunKeyPurge purges old idempotency keys every interval until ctx ends.
func (s *Service) RunKeyPurge(ctx context.Context, interval time.Duration, log *slog.Logger) error {
	periodic.RunPurge(ctx, interval, "idempotency keys", log, s.PurgeKeys)
	return nil
}
