package app

import (
	"context"

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
