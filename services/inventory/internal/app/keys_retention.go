package app

import (
	"context"

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
