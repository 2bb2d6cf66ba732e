package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/finance/internal/app"
)

// ProviderEventSeen reports whether a provider event was applied.
func (w *Wallets) ProviderEventSeen(ctx context.Context, id string) (bool, error) {
	var seen bool
	if err := w.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM provider_events WHERE id = $1)`, id).Scan(&seen); err != nil {
		return false, fmt.Errorf("provider event %s: %w", id, err)
	}
	return seen, nil
}

// ApplyProviderEvent inserts the event's row and runs apply in the same
// transaction. A concurrent delivery's insert waits for this one's commit
// on the primary key and then inserts nothing, so apply runs once.
func (w *Wallets) ApplyProviderEvent(ctx context.Context, ev app.ProviderEventRecord, apply func(app.WalletTx) error) (bool, error) {
	applied := false
	err := pg.InTx(ctx, w.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO provider_events (id, type, reference, received_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (id) DO NOTHING`, ev.ID, ev.Type, ev.Reference, ev.ReceivedAt)
		if err != nil {
			return fmt.Errorf("record provider event %s: %w", ev.ID, err)
		}
		applied = tag.RowsAffected() == 1
		if !applied {
			return nil
		}
		return apply(walletTx{tx: tx})
	})
	return applied, err
}

// DeleteProviderEventsBefore deletes up to limit provider events received
// before t, oldest first (provider_events_by_age); one being recorded right
// now is skipped.
func (w *Wallets) DeleteProviderEventsBefore(ctx context.Context, t time.Time, limit int) (int, error) {
	tag, err := w.pool.Exec(ctx, `DELETE FROM provider_events WHERE id IN (
		SELECT id FROM provider_events WHERE received_at < $1 ORDER BY received_at LIMIT $2 FOR UPDATE SKIP LOCKED)`, t, limit)
	if err != nil {
		return 0, fmt.Errorf("purge provider events: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
