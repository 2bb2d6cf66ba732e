package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/pkg/service"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain/wallet"
)

const payoutColumns = `id::text, organization_id, created_by, idempotency_key, amount, currency, destination, state,
	pending_transfer_id, provider_payout_id, failure_code, attempts, created_at, updated_at`

var payouts = pg.Repository[string, wallet.Payout]{
	Lock: func(ctx context.Context, q pg.Querier, id string) (wallet.Payout, error) {
		return getPayout(ctx, q, id, ` FOR UPDATE`)
	},
	Save: func(ctx context.Context, q pg.Querier, p wallet.Payout) error {
		_, err := q.Exec(ctx, `UPDATE payouts SET state = $2, pending_transfer_id = $3, provider_payout_id = $4,
			failure_code = $5, attempts = $6, updated_at = $7 WHERE id = $1`,
			p.ID, p.State, p.PendingTransferID, p.ProviderPayoutID, p.FailureCode, p.Attempts, p.UpdatedAt)
		if err != nil {
			return fmt.Errorf("save payout %s: %w", p.ID, err)
		}
		return nil
	},
}

// InsertPayout records p unless its organization used the key before.
func (w *Wallets) InsertPayout(ctx context.Context, p wallet.Payout) (wallet.Payout, bool, error) {
	stored, inserted, err := pg.InsertOrRead(ctx, w.pool, scanPayout, `
		INSERT INTO payouts (id, organization_id, created_by, idempotency_key, amount, currency, destination, state, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
		ON CONFLICT (organization_id, idempotency_key) DO NOTHING
		RETURNING `+payoutColumns,
		[]any{p.ID, p.OrganizationID, p.CreatedBy, p.IdempotencyKey, p.Amount, p.Currency, p.Destination, p.State, p.CreatedAt},
		`SELECT `+payoutColumns+` FROM payouts WHERE organization_id = $1 AND idempotency_key = $2`,
		p.OrganizationID, p.IdempotencyKey)
	if err != nil {
		return wallet.Payout{}, false, fmt.Errorf("payout: %w", err)
	}
	return stored, inserted, nil
}

// Payout returns a payout by id.
func (w *Wallets) Payout(ctx context.Context, id string) (wallet.Payout, error) {
	return getPayout(ctx, w.pool, id, "")
}

// UpdatePayout changes a payout under its row lock (pg.Repository.Update).
func (w *Wallets) UpdatePayout(ctx context.Context, id string, change app.PayoutChange) (wallet.Payout, error) {
	return payouts.Update(ctx, w.pool, id, pg.Change[wallet.Payout](change))
}

// PayoutsOf returns an organization's payouts after the cursor, newest first.
func (w *Wallets) PayoutsOf(ctx context.Context, org string, after *app.PayoutCursor, limit int) ([]wallet.Payout, error) {
	where, args := `organization_id = $1`, []any{org, limit}
	if after != nil {
		where += ` AND (created_at, id) < ($3, $4::uuid)`
		args = append(args, after.T, after.I)
	}
	return queryPayouts(ctx, w.pool, `SELECT `+payoutColumns+` FROM payouts WHERE `+where+`
		ORDER BY created_at DESC, id DESC LIMIT $2`, args...)
}

// PaidPayoutsToCheck returns up to limit payouts paid and created since
// since, each due to be asked about again: never asked, or last asked a
// tenth of its age ago (a day old: every two and a half hours; a week old:
// every seventeen), least recently asked first.
func (w *Wallets) PaidPayoutsToCheck(ctx context.Context, since, now time.Time, limit int) ([]wallet.Payout, error) {
	return queryPayouts(ctx, w.pool, `SELECT `+payoutColumns+` FROM payouts
		WHERE state = 'paid' AND created_at >= $1
		  AND (return_checked_at IS NULL OR return_checked_at <= $2::timestamptz - ($2::timestamptz - created_at) / 10)
		ORDER BY coalesce(return_checked_at, created_at) LIMIT $3`, since, now, limit)
}

// MarkPayoutReturnChecked records that the provider was asked whether a
// paid payout came back.
func (w *Wallets) MarkPayoutReturnChecked(ctx context.Context, id string, at time.Time) error {
	if _, err := w.pool.Exec(ctx, `UPDATE payouts SET return_checked_at = $2 WHERE id = $1`, id, at); err != nil {
		return fmt.Errorf("payout %s checked: %w", id, err)
	}
	return nil
}

// UnfinishedPayouts returns payouts still requested, reserved or sent since
// before, and those refused before their reservation that still hold a
// late one.
func (w *Wallets) UnfinishedPayouts(ctx context.Context, before time.Time, limit int) ([]wallet.Payout, error) {
	return queryPayouts(ctx, w.pool, `SELECT `+payoutColumns+` FROM payouts
		WHERE (state IN ('requested', 'reserved', 'sent') OR state = 'failed' AND failure_code = ANY($3) AND pending_transfer_id <> '')
		  AND updated_at <= $1 ORDER BY updated_at LIMIT $2`, before, limit, []string{wallet.FailureLedgerRefused, wallet.FailureClawBackWaiting})
}

// WaitingClawBacks sums the claw-backs waiting for an organization's
// payable in one currency.
func (w *Wallets) WaitingClawBacks(ctx context.Context, org, currency string) (int64, error) {
	var sum int64
	err := w.pool.QueryRow(ctx, `SELECT coalesce(sum(r.amount_minor), 0)::bigint FROM waiting_refunds r
		JOIN escrows e ON e.sub_order_id = r.sub_order_id
		WHERE r.state = 'waiting' AND e.supplier_org_id = $1 AND e.supplier_currency = $2`, org, currency).Scan(&sum)
	if err != nil {
		return 0, fmt.Errorf("waiting claw-backs of %s: %w", org, err)
	}
	return sum, nil
}

// FailingPayouts counts, for the kit's failing-steps gauges, the payouts
// not yet sent to the provider (kind "unsent", since requested): sending is
// done at once and retried while the provider cannot be reached. A sent
// payout waiting for the provider's result is not counted: a bank transfer
// may take days.
func (w *Wallets) FailingPayouts(ctx context.Context) ([]service.FailingSteps, error) {
	return service.QueryFailingSteps(ctx, w.pool, `SELECT 'unsent', count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8
		FROM payouts WHERE state IN ('requested', 'reserved') HAVING count(*) > 0`)
}

func queryPayouts(ctx context.Context, q pg.Querier, sql string, args ...any) ([]wallet.Payout, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("list payouts: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (wallet.Payout, error) { return scanPayout(r) })
	if err != nil {
		return nil, fmt.Errorf("list payouts: %w", err)
	}
	return out, nil
}

func getPayout(ctx context.Context, q pg.Querier, id, lock string) (wallet.Payout, error) {
	if _, err := apperr.ParseID("payout_id", id); err != nil {
		return wallet.Payout{}, apperr.NotFound("payout", id)
	}
	p, err := scanPayout(q.QueryRow(ctx, `SELECT `+payoutColumns+` FROM payouts WHERE id = $1`+lock, id))
	if err != nil {
		return wallet.Payout{}, pg.NoRows(err, apperr.NotFound("payout", id))
	}
	return p, nil
}

func scanPayout(row pgx.Row) (wallet.Payout, error) {
	var p wallet.Payout
	err := row.Scan(&p.ID, &p.OrganizationID, &p.CreatedBy, &p.IdempotencyKey, &p.Amount, &p.Currency, &p.Destination, &p.State,
		&p.PendingTransferID, &p.ProviderPayoutID, &p.FailureCode, &p.Attempts, &p.CreatedAt, &p.UpdatedAt)
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p, err
}
