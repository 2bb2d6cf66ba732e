package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain/wallet"
)

const topUpColumns = `id::text, purpose, owner_id, created_by, idempotency_key, amount, currency, state,
	intent_id, client_secret, confirm_url, failure_code, created_at, updated_at`

var topUps = pg.Repository[string, wallet.TopUp]{
	Lock: func(ctx context.Context, q pg.Querier, id string) (wallet.TopUp, error) {
		return getTopUp(ctx, q, id, ` FOR UPDATE`)
	},
	Save: func(ctx context.Context, q pg.Querier, t wallet.TopUp) error {
		_, err := q.Exec(ctx, `UPDATE top_ups SET state = $2, intent_id = $3, client_secret = $4, confirm_url = $5,
			failure_code = $6, updated_at = $7 WHERE id = $1`,
			t.ID, t.State, t.IntentID, t.ClientSecret, t.ConfirmURL, t.FailureCode, t.UpdatedAt)
		if err != nil {
			return fmt.Errorf("save top-up %s: %w", t.ID, err)
		}
		return nil
	},
}

// InsertTopUp records t unless its creator used the key before.
func (w *Wallets) InsertTopUp(ctx context.Context, t wallet.TopUp) (wallet.TopUp, bool, error) {
	stored, inserted, err := pg.InsertOrRead(ctx, w.pool, scanTopUp, `
		INSERT INTO top_ups (id, purpose, owner_id, created_by, idempotency_key, amount, currency, state, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
		ON CONFLICT (created_by, idempotency_key) DO NOTHING
		RETURNING `+topUpColumns,
		[]any{t.ID, t.Purpose, t.OwnerID, t.CreatedBy, t.IdempotencyKey, t.Amount, t.Currency, t.State, t.CreatedAt},
		`SELECT `+topUpColumns+` FROM top_ups WHERE created_by = $1 AND idempotency_key = $2`,
		t.CreatedBy, t.IdempotencyKey)
	if err != nil {
		return wallet.TopUp{}, false, fmt.Errorf("top-up: %w", err)
	}
	return stored, inserted, nil
}

// UncheckedTopUps returns up to limit top-ups with a provider intent made
// before before, pending or failed with their intent still open, each due
// to be asked about again: never asked, or, pending, last asked a tenth of
// its age ago (a minute old: every few seconds of the worker's rounds; a
// day old: every two and a half hours), failed, half its age ago (a
// decline is nearly always final: a dozen asks in its day). The pending
// come first, each kind least recently asked first.
func (w *Wallets) UncheckedTopUps(ctx context.Context, before, now time.Time, limit int) ([]wallet.TopUp, error) {
	rows, err := w.pool.Query(ctx, `SELECT `+topUpColumns+` FROM top_ups
		WHERE (state = 'pending' OR state = 'failed' AND NOT intent_closed) AND intent_id <> '' AND created_at <= $1
		  AND (checked_at IS NULL OR checked_at <= $2::timestamptz - ($2::timestamptz - created_at) / CASE WHEN state = 'failed' THEN 2 ELSE 10 END)
		ORDER BY state = 'failed', coalesce(checked_at, created_at) LIMIT $3`, before, now, limit)
	if err != nil {
		return nil, fmt.Errorf("unchecked top-ups: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (wallet.TopUp, error) { return scanTopUp(r) })
}

// MarkTopUpChecked records that the provider was asked about a top-up.
func (w *Wallets) MarkTopUpChecked(ctx context.Context, id string, at time.Time) error {
	_, err := w.pool.Exec(ctx, `UPDATE top_ups SET checked_at = $2 WHERE id = $1`, id, at)
	return err
}

// CloseTopUpIntent records that a failed top-up's intent is canceled at
// the provider: it can no longer be paid, and is not asked about again.
func (w *Wallets) CloseTopUpIntent(ctx context.Context, id string, at time.Time) error {
	_, err := w.pool.Exec(ctx, `UPDATE top_ups SET intent_closed = true, checked_at = $2 WHERE id = $1 AND state = 'failed'`, id, at)
	return err
}

// TopUp returns a top-up by id.
func (w *Wallets) TopUp(ctx context.Context, id string) (wallet.TopUp, error) {
	return getTopUp(ctx, w.pool, id, "")
}

// UpdateTopUp changes a top-up under its row lock (pg.Repository.Update).
func (w *Wallets) UpdateTopUp(ctx context.Context, id string, change app.TopUpChange) (wallet.TopUp, error) {
	return topUps.Update(ctx, w.pool, id, pg.Change[wallet.TopUp](change))
}

func getTopUp(ctx context.Context, q pg.Querier, id, lock string) (wallet.TopUp, error) {
	if _, err := apperr.ParseID("top_up_id", id); err != nil {
		return wallet.TopUp{}, apperr.NotFound("top-up", id)
	}
	t, err := scanTopUp(q.QueryRow(ctx, `SELECT `+topUpColumns+` FROM top_ups WHERE id = $1`+lock, id))
	if err != nil {
		return wallet.TopUp{}, pg.NoRows(err, apperr.NotFound("top-up", id))
	}
	return t, nil
}

func scanTopUp(row pgx.Row) (wallet.TopUp, error) {
	var t wallet.TopUp
	err := row.Scan(&t.ID, &t.Purpose, &t.OwnerID, &t.CreatedBy, &t.IdempotencyKey, &t.Amount, &t.Currency, &t.State,
		&t.IntentID, &t.ClientSecret, &t.ConfirmURL, &t.FailureCode, &t.CreatedAt, &t.UpdatedAt)
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	return t, err
}
