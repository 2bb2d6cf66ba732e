// Package postgres is the orders service's PostgreSQL store.
package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// Store implements app.Store on a pgx pool.
type Store struct {
	repo
	pg.Store[app.Repository]
	pool *pgxpool.Pool
}

var _ app.Store = (*Store)(nil)

// New returns a store on pool.
func New(pool *pgxpool.Pool) *Store {
	return &Store{repo: repo{q: pool}, pool: pool, Store: pg.NewStore(pool, func(q pg.Querier, tx pgx.Tx) app.Repository {
		return repo{q: q, tx: tx}
	})}
}

// WithTx returns the repository on tx: the inbox's handlers apply events in
// the inbox's transaction.
func (s *Store) WithTx(tx pgx.Tx) app.Repository { return repo{q: tx, tx: tx} }

// repo runs the queries on a pool or, inside InTx, on a transaction.
type repo struct {
	q  pg.Querier
	tx pgx.Tx // nil outside a transaction
}

// Emit writes the events to the outbox in the current transaction.
func (r repo) Emit(ctx context.Context, events ...app.Event) error {
	return outbox.EmitAll(ctx, r.tx, events...)
}

// Write sends w's writes in one round trip, in the order its fields are
// listed.
func (r repo) Write(ctx context.Context, w app.Writes) error {
	b := &pgx.Batch{}
	queueWrites(b, w)
	if err := outbox.QueueAll(ctx, b, r.tx, w.Events...); err != nil {
		return err
	}
	return send(ctx, r.q, b)
}

// WriteAtVersion sends w's writes of w.Order in one round trip outside a
// transaction, on the condition that nothing wrote the order since it read
// version: PostgreSQL runs the pipelined statements as one implicit
// transaction, so they all land or none does. false: the order moved on
// (and nothing was written); the command is redone under the order's lock.
func (s *Store) WriteAtVersion(ctx context.Context, version int64, w app.Writes) (bool, error) {
	b := &pgx.Batch{}
	b.Queue(`SELECT orders_expect_version($1, $2)`, w.Order.ID, version)
	queueWrites(b, w)
	if err := outbox.QueueAllAtomic(ctx, b, w.Events...); err != nil {
		return false, err
	}
	err := send(ctx, s.pool, b)
	if pg.IsRetryable(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if len(w.Events) > 0 {
		outbox.WakeRelays()
	}
	return true, nil
}

// queueWrites queues w's writes but its events, in the order its fields
// are listed.
func queueWrites(b *pgx.Batch, w app.Writes) {
	if w.Order != nil {
		queueSaveOrder(b, *w.Order)
	}
	queueChanges(b, w.Changes)
	queueUnschedule(b, w.Unschedule...)
	queueSchedule(b, w.Schedule)
}

// send sends what b holds in one round trip; an empty b sends nothing.
func send(ctx context.Context, q pg.Querier, b *pgx.Batch) error {
	if b.Len() == 0 {
		return nil
	}
	return q.SendBatch(ctx, b).Close()
}

func (r repo) LockCart(ctx context.Context, buyerID string, at time.Time) (domain.Cart, error) {
	if _, err := r.q.Exec(ctx, `INSERT INTO carts (buyer_id, updated_at) VALUES ($1, $2) ON CONFLICT DO NOTHING`, buyerID, at); err != nil {
		return domain.Cart{}, err
	}
	c := domain.Cart{BuyerID: buyerID}
	if err := r.q.QueryRow(ctx, `SELECT updated_at FROM carts WHERE buyer_id = $1 FOR UPDATE`, buyerID).Scan(&c.UpdatedAt); err != nil {
		return c, err
	}
	return c, r.lines(ctx, &c)
}

func (r repo) GetCart(ctx context.Context, buyerID string) (domain.Cart, error) {
	c := domain.Cart{BuyerID: buyerID}
	err := r.q.QueryRow(ctx, `SELECT updated_at FROM carts WHERE buyer_id = $1`, buyerID).Scan(&c.UpdatedAt)
	if err == pgx.ErrNoRows {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	return c, r.lines(ctx, &c)
}

func (r repo) lines(ctx context.Context, c *domain.Cart) error {
	rows, err := r.q.Query(ctx, `SELECT sku_id, quantity, added_at FROM cart_lines WHERE buyer_id = $1 ORDER BY added_at, sku_id`, c.BuyerID)
	if err != nil {
		return err
	}
	c.Lines, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.CartLine, error) {
		var l domain.CartLine
		err := row.Scan(&l.SKUID, &l.Quantity, &l.AddedAt)
		return l, err
	})
	return err
}

func (r repo) SaveCart(ctx context.Context, c domain.Cart) error {
	b := &pgx.Batch{}
	b.Queue(`UPDATE carts SET updated_at = $2 WHERE buyer_id = $1`, c.BuyerID, c.UpdatedAt)
	b.Queue(`DELETE FROM cart_lines WHERE buyer_id = $1`, c.BuyerID)
	for _, l := range c.Lines {
		b.Queue(`INSERT INTO cart_lines (buyer_id, sku_id, quantity, added_at) VALUES ($1, $2, $3, $4)`, c.BuyerID, l.SKUID, l.Quantity, l.AddedAt)
	}
	return r.q.SendBatch(ctx, b).Close()
}
