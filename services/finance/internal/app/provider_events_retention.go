package app

import (
	"context"
	"time"

	"github.com/crossdock/crossdock/pkg/periodic"
)

// providerEventPurgeBatch bounds the provider events one statement
// deletes, so a purge never holds one long transaction over the table.
const providerEventPurgeBatch = 1000

// MinProviderEventRetention is the least time a provider event is
// remembered: longer than a provider goes on redelivering a webhook (three
// days at the most common providers).
const MinProviderEventRetention = 72 * time.Hour

// PurgeProviderEvents forgets the provider events received more than
// retention ago and returns how many it deleted. Remembering an event only
// spares a redelivery the work: exactly once rests on the top-up or payout
// the event settles (HandleProviderWebhook), so one delivered again after
// it is forgotten moves nothing. A retention under
// MinProviderEventRetention is raised to it.
func (w *Wallets) PurgeProviderEvents(ctx context.Context, retention time.Duration) (int, error) {
	before := w.clock().Add(-max(retention, MinProviderEventRetention))
	return periodic.Drain(ctx, providerEventPurgeBatch, func(ctx context.Context, limit int) (int, error) {
		return w.store.DeleteProviderEventsBefore(ctx, before, limit)
	})
}
