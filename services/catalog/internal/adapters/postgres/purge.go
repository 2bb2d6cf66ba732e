package postgres

import (
	"context"
	"time"
)

// PurgeDeletedBefore deletes up to limit products that entered the bin
// before t; their revisions, SKUs, translations, history and listing rows go
// with them (ON DELETE CASCADE).
func (r repo) PurgeDeletedBefore(ctx context.Context, t time.Time, limit int) (int, error) {
	tag, err := r.q.Exec(ctx, `DELETE FROM products WHERE id IN (
		SELECT id FROM products WHERE deleted_at < $1 ORDER BY deleted_at LIMIT $2 FOR UPDATE SKIP LOCKED)`, t, limit)
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}
