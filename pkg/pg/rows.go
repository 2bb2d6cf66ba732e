package pg

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Querier is what both a pool and a transaction offer, so one repository
// type serves reads on the pool and writes inside a transaction.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// NoRows returns nf (typically a domain NotFound) when err is
// pgx.ErrNoRows, and err unchanged otherwise.
func NoRows(err, nf error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return nf
	}
	return err
}

// Affected returns err when a write failed, and nf when it touched no row:
// an UPDATE or DELETE by key of a row that does not exist.
func Affected(tag pgconn.CommandTag, err, nf error) error {
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return nf
	}
	return nil
}

// QueryMap runs a query of two columns, a key and its value, and returns
// them as a map: a code to its id, a SKU to its count. A key that comes
// twice keeps its last value.
func QueryMap[K comparable, V any](ctx context.Context, q Querier, sql string, args ...any) (map[K]V, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[K]V{}
	for rows.Next() {
		var k K
		var v V
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

// OrZero is a nullable column scanned into a pointer, read as its value:
// the zero value for NULL.
func OrZero[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
