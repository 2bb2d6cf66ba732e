package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/crossdock/crossdock/pkg/periodic"
)

// purgeBatch is how many products one purge transaction deletes, so a large
// bin never holds locks for long.
const purgeBatch = 200

// PurgeBin deletes for good the products that have been in the bin longer
// than the configured retention, with their revisions, SKUs, translations
// and history, and returns how many went.
func (s *Service) PurgeBin(ctx context.Context) (int, error) {
	before := s.clock().Add(-s.cfg.PurgeAfter)
	return periodic.Drain(ctx, purgeBatch, func(ctx context.Context, limit int) (int, error) {
		return s.store.PurgeDeletedBefore(ctx, before, limit)
	})
}

// RunPurge empties the bin of expired products every interval until ctx
// ends.
func (s *Service) RunPurge(ctx context.Context, interval time.Duration, log *slog.Logger) error {
	periodic.RunPurge(ctx, interval, "deleted products", log, s.PurgeBin)
	return nil
}
