package postgres

import (
	"context"
	"time"

	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/inventory/internal/app"
)

// ClaimKey inserts an idempotency key, or returns what its first use
// stored (see pg.Claim).
func (r repo) ClaimKey(ctx context.Context, scope, key, fingerprint string, at time.Time) (bool, app.StoredKey, error) {
	var stored app.StoredKey
	claimed, err := pg.Claim(ctx, r.q,
		`INSERT INTO command_keys (scope, key, fingerprint, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (scope, key) DO NOTHING`,
		[]any{scope, key, fingerprint, at},
		`SELECT fingerprint, result FROM command_keys WHERE scope = $1 AND key = $2`,
		[]any{scope, key}, &stored.Fingerprint, &stored.Result)
	return claimed, stored, err
}

// SaveKeyResult stores a claimed key's answer.
func (r repo) SaveKeyResult(ctx context.Context, scope, key string, result []byte) error {
	_, err := r.q.Exec(ctx, `UPDATE command_keys SET result = $3 WHERE scope = $1 AND key = $2`, scope, key, result)
	return err
}

// DeleteKeysBefore deletes up to limit keys claimed before t, oldest first
// (command_keys_by_age); a key being claimed or answered right now is
// skipped. A purchase order's receipt ids (scope receipt:<id>) stay while
// the order is still receiving: they are the supplier's delivery ids, which
// its ERP may send again for as long as the order is open, not retry keys.
func (r repo) DeleteKeysBefore(ctx context.Context, t time.Time, limit int) (int, error) {
	tag, err := r.q.Exec(ctx, `DELETE FROM command_keys WHERE (scope, key) IN (
		SELECT k.scope, k.key FROM command_keys k
		WHERE k.created_at < $1
		  AND NOT EXISTS (SELECT 1 FROM purchase_orders po
			WHERE po.id = CASE WHEN k.scope LIKE 'receipt:%' THEN substr(k.scope, 9)::uuid END
			  AND po.status IN ('open', 'partially_received'))
		ORDER BY k.created_at LIMIT $2 FOR UPDATE OF k SKIP LOCKED)`, t, limit)
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}
