package app

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

// reserveCall is one validated Reserve waiting for its batch.
type reserveCall struct {
	actor string
	req   domain.ReserveRequest
	ttl   time.Duration

	ctx  context.Context
	done chan struct{} // closed when res and err are set
	res  domain.Reservation
	err  error
}

// reserveBatcher group-commits reservations. A reservation's own work is a few
// statements; its commit waits for a disk flush that costs far more, and on a
// hot SKU every reservation also waits for the one before it to commit,
// because the SKU's stock row stays locked until then. So concurrent Reserve
// calls queue here and are applied many to one transaction: one flush, one
// wait for the row lock, and every caller still gets its own answer.
//
// A batch costs the same few round trips whatever its size (see
// Service.reserveBatch): its orders' reservation rows are claimed or locked
// first, then the stock rows of every SKU it touches in the global (sku,
// warehouse) order, so batches never deadlock on stock; its calls are
// decided in memory in queue order, each seeing exactly what the calls
// before it left, as if they had committed one after the other, so stock is
// never oversold; a refused call (out of stock, unknown SKU, an order
// reserved otherwise) gets its own error and leaves nothing behind; and an
// order id repeated within a batch gets the reservation its first call made.
//
// No goroutine outlives the queue: a call that finds fewer than concurrency
// batches running starts one, and a batch runner exits when the queue is empty.
type reserveBatcher struct {
	s           *Service
	maxBatch    int
	concurrency int

	mu      sync.Mutex
	queue   []*reserveCall
	running int
}

func newReserveBatcher(s *Service, maxBatch, concurrency int) *reserveBatcher {
	return &reserveBatcher{s: s, maxBatch: max(maxBatch, 1), concurrency: max(concurrency, 1)}
}

// reserve queues the call and waits for its answer. A caller whose context
// ends stops waiting at once; if its call was already being applied, the
// reservation may still commit, and a retry with the same order id returns it.
func (b *reserveBatcher) reserve(ctx context.Context, call reserveCall) (domain.Reservation, error) {
	call.ctx, call.done = ctx, make(chan struct{})
	c := &call
	b.mu.Lock()
	b.queue = append(b.queue, c)
	start := b.running < b.concurrency
	if start {
		b.running++
	}
	b.mu.Unlock()
	if start {
		go b.run()
	}
	select {
	case <-c.done:
		return c.res, c.err
	case <-ctx.Done():
		return domain.Reservation{}, ctx.Err()
	}
}

// run applies batches until the queue is empty.
func (b *reserveBatcher) run() {
	for {
		b.mu.Lock()
		if len(b.queue) == 0 {
			b.running--
			b.mu.Unlock()
			return
		}
		n := min(len(b.queue), b.maxBatch)
		batch := slices.Clone(b.queue[:n])
		b.queue = slices.Delete(b.queue, 0, n)
		b.mu.Unlock()
		b.apply(batch)
	}
}

// batchTimeout bounds one batch's transaction: it runs for many callers, so
// no single caller's context governs it.
const batchTimeout = 30 * time.Second

// apply runs one batch in one transaction and answers every call. Calls whose
// caller gave up before the batch started are left out. When the transaction
// itself fails (not one call: the commit, the connection), each call is
// applied again in a transaction of its own, so each gets its own answer.
func (b *reserveBatcher) apply(batch []*reserveCall) {
	live := batch[:0]
	for _, c := range batch {
		if err := c.ctx.Err(); err != nil {
			c.err = err
			close(c.done)
			continue
		}
		live = append(live, c)
	}
	if len(live) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(live[0].ctx), batchTimeout)
	defer cancel()
	var answers []domain.ReserveDecision
	err := b.s.store.InTx(ctx, func(r Repository) error {
		var err error
		answers, err = b.s.reserveBatch(ctx, r, live)
		return err
	})
	if err != nil && len(live) > 1 && !errors.Is(err, context.DeadlineExceeded) {
		for _, c := range live {
			b.apply([]*reserveCall{c})
		}
		return
	}
	for i, c := range live {
		if err != nil {
			c.res, c.err = domain.Reservation{}, err
		} else {
			c.res, c.err = answers[i].Reservation, answers[i].Err
		}
		close(c.done)
	}
}
