package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/crossdock/crossdock/pkg/pg"
)

// statement is one write built once and either run on its own (exec) or
// queued with others into one round trip (queue).
type statement struct {
	what string // for errors: "update stock"
	sql  string
	args []any
	// rows is how many rows the statement must touch; -1 for any number.
	rows int
}

func (s statement) check(tag pgconn.CommandTag) error {
	if s.rows >= 0 && int(tag.RowsAffected()) != s.rows {
		return fmt.Errorf("%s: %d of %d rows", s.what, tag.RowsAffected(), s.rows)
	}
	return nil
}

// exec runs the statement on q.
func (s statement) exec(ctx context.Context, q pg.Querier) error {
	tag, err := q.Exec(ctx, s.sql, s.args...)
	if err != nil {
		return fmt.Errorf("%s: %w", s.what, err)
	}
	return s.check(tag)
}

// queue adds the statement to b; SendBatch's Close reports its error.
func (s statement) queue(b *pgx.Batch) {
	b.Queue(s.sql, s.args...).Exec(func(tag pgconn.CommandTag) error { return s.check(tag) })
}

// sendAll queues the statements after what b holds already and sends them
// all in one round trip.
func sendAll(ctx context.Context, q pg.Querier, b *pgx.Batch, stmts ...statement) error {
	for _, s := range stmts {
		s.queue(b)
	}
	if b.Len() == 0 {
		return nil
	}
	return q.SendBatch(ctx, b).Close()
}
