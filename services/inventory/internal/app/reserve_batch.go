package app

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

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
// Batches running at once never share a SKU: a batch takes, in queue order,
// the calls none of whose SKUs a running batch holds, and the others wait for
// that batch to end; a call never passes an earlier waiting call of one of
// its SKUs, so a call of two busy SKUs is not starved. Two batches of one hot SKU could only commit one after
// the other on its stock row, each paying a flush for a few calls; instead
// the calls that arrive while one batch commits all go into the next, so a
// hot SKU gets a whole queue per flush, and batches of other SKUs commit
// beside it.
//
// No goroutine outlives the queue: a call that finds fewer than concurrency
// batches running and none holding its SKUs starts one, and a batch runner
// exits when no queued call is free to run; a call that waits for a SKU is
// taken by the runner holding it when its batch ends.
type reserveBatcher struct {
	s           *Service
	maxBatch    int
	concurrency int

	mu      sync.Mutex
	queue   []*reserveCall
	running int
	runners int               // runners started, to name them
	held    map[uuid.UUID]int // SKU → the runner whose batch holds it
}

func newReserveBatcher(s *Service, maxBatch, concurrency int) *reserveBatcher {
	return &reserveBatcher{s: s, maxBatch: max(maxBatch, 1), concurrency: max(concurrency, 1), held: map[uuid.UUID]int{}}
}

// reserve queues the call and waits for its answer. A caller whose context
// ends stops waiting at once; if its call was already being applied, the
// reservation may still commit, and a retry with the same order id returns it.
func (b *reserveBatcher) reserve(ctx context.Context, call reserveCall) (domain.Reservation, error) {
	call.ctx, call.done = ctx, make(chan struct{})
	c := &call
	b.mu.Lock()
	b.queue = append(b.queue, c)
	start := b.running < b.concurrency && b.free(c, 0)
	runner := 0
	if start {
		b.running++
		b.runners++
		runner = b.runners
	}
	b.mu.Unlock()
	if start {
		go b.run(runner)
	}
	select {
	case <-c.done:
		return c.res, c.err
	case <-ctx.Done():
		return domain.Reservation{}, ctx.Err()
	}
}

// run applies batches until no queued call is free to run; runner names it
// in held.
func (b *reserveBatcher) run(runner int) {
	var mine []uuid.UUID
	for {
		b.mu.Lock()
		for _, id := range mine {
			delete(b.held, id)
		}
		mine = mine[:0]
		batch := b.take(runner, &mine)
		if len(batch) == 0 {
			b.running--
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		b.apply(batch)
	}
}

// take removes the next batch of runner from the queue: in queue order, up
// to maxBatch calls none of whose SKUs another batch holds, and none of whose
// SKUs an earlier call left waiting names, so the calls of a SKU are taken in
// the order they came (a call of two hot SKUs is not passed over forever by
// the calls of either). It adds the SKUs it takes to held and mine. It is
// called with mu held.
func (b *reserveBatcher) take(runner int, mine *[]uuid.UUID) []*reserveCall {
	var batch []*reserveCall
	rest := b.queue[:0]
	waiting := map[uuid.UUID]bool{} // SKUs of the calls left in the queue
	for _, c := range b.queue {
		if len(batch) == b.maxBatch || !b.free(c, runner) ||
			slices.ContainsFunc(c.req.Lines, func(l domain.OrderLine) bool { return waiting[l.SKUID] }) {
			for _, l := range c.req.Lines {
				waiting[l.SKUID] = true
			}
			rest = append(rest, c)
			continue
		}
		batch = append(batch, c)
		for _, l := range c.req.Lines {
			if b.held[l.SKUID] == 0 {
				b.held[l.SKUID] = runner
				*mine = append(*mine, l.SKUID)
			}
		}
	}
	clear(b.queue[len(rest):])
	b.queue = rest
	return batch
}

// free reports whether no batch but runner's holds a SKU of c. It is called
// with mu held.
func (b *reserveBatcher) free(c *reserveCall, runner int) bool {
	for _, l := range c.req.Lines {
		if h := b.held[l.SKUID]; h != 0 && h != runner {
			return false
		}
	}
	return true
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
