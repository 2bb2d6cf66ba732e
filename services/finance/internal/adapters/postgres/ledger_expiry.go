package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

// ExpiryKeyPrefix starts the idempotency key of the void that expires a
// pending transfer: "expire:<pending id>", so two sweepers void it once.
const ExpiryKeyPrefix = "expire:"

// ExpirePending voids up to limit pending transfers whose ExpiresAt has
// passed and that nobody posted or voided, each as its own command, and
// returns how many it voided. A pending transfer posted or voided meanwhile
// is skipped. The finance process runs it periodically (the sweeper).
func (l *Ledger) ExpirePending(ctx context.Context, limit int) (int, error) {
	rows, err := l.pool.Query(ctx, `SELECT p.id::text FROM ledger_transfers p
		WHERE p.phase = 'pending' AND p.expires_at IS NOT NULL AND p.expires_at <= $1
		AND NOT EXISTS (SELECT 1 FROM ledger_transfers r WHERE r.pending_id = p.id)
		ORDER BY p.expires_at LIMIT $2`, storedNow(l.now), limit)
	if err != nil {
		return 0, fmt.Errorf("find expired pending transfers: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("find expired pending transfers: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("find expired pending transfers: %w", err)
	}
	voided := 0
	for _, id := range ids {
		_, err := l.Execute(ctx, ledger.Command{
			IdempotencyKey: ExpiryKeyPrefix + id,
			Transfers:      []ledger.TransferSpec{{Phase: ledger.PhaseVoidPending, PendingID: id}},
		})
		switch {
		case err == nil:
			voided++
		case errors.Is(err, ledger.ErrPendingResolved):
			// Posted or voided since we looked: nothing to expire.
		default:
			return voided, fmt.Errorf("expire pending transfer %s: %w", id, err)
		}
	}
	return voided, nil
}

// expirySweepBatch is how many expired transfers one sweep voids at most;
// the next sweep takes the rest.
const expirySweepBatch = 500

// RunExpirySweeper voids expired pending transfers every interval until ctx
// ends. A failed sweep is reported to onError and retried at the next tick:
// voiding is idempotent on the pending transfer.
func (l *Ledger) RunExpirySweeper(ctx context.Context, interval time.Duration, onError func(error)) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if _, err := l.ExpirePending(ctx, expirySweepBatch); err != nil && ctx.Err() == nil {
				onError(err)
			}
		}
	}
}
