// Package groupcommit queues concurrent calls and hands them to one function
// in batches, so many callers share one transaction and one disk flush while
// each still gets its own answer.
//
// A batch is flushed as soon as a runner is free: while a flush runs, the
// calls that arrive meanwhile wait and form the next batch (up to MaxBatch).
// Under light load a call is flushed alone and at once; under heavy load
// batches grow by themselves, with no timer to tune. No goroutine outlives
// the queue's work: a call that finds fewer than Concurrency runners starts
// one, and a runner exits when the queue is empty.
package groupcommit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Result is one item's answer from a flush.
type Result[R any] struct {
	Value R
	Err   error
}

// Flush applies a batch and answers every item, in order: len(results) must
// be len(items). ctx is the batch's, not any caller's: one caller giving up
// does not abort the others' work.
type Flush[I, R any] func(ctx context.Context, items []I) []Result[R]

// Options tune a Queue; zero values take the defaults.
type Options struct {
	// MaxBatch caps a batch (default 256).
	MaxBatch int
	// Concurrency is how many batches may be flushed at once (default 1).
	Concurrency int
	// Timeout bounds one flush (default 30s).
	Timeout time.Duration
}

// Queue batches calls to a Flush.
type Queue[I, R any] struct {
	flush Flush[I, R]
	opts  Options

	mu      sync.Mutex
	queue   []*call[I, R]
	running int
}

type call[I, R any] struct {
	ctx  context.Context
	item I
	done chan Result[R] // buffered: a runner never blocks on a caller
}

// ErrFlushAnswers is returned to every item of a flush that answered a
// different number of items than it was given (a bug in the Flush).
var ErrFlushAnswers = errors.New("groupcommit: flush answered a different number of items")

// New returns a queue that flushes with f.
func New[I, R any](f Flush[I, R], opts Options) *Queue[I, R] {
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 256
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 1
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	return &Queue[I, R]{flush: f, opts: opts}
}

// Submit queues item and waits for its answer. When ctx ends first, Submit
// returns ctx's error at once: an item not yet in a batch is then left out;
// one already being flushed may still take effect, so what it does must be
// safe to retry (idempotent).
func (q *Queue[I, R]) Submit(ctx context.Context, item I) (R, error) {
	c := &call[I, R]{ctx: ctx, item: item, done: make(chan Result[R], 1)}
	q.mu.Lock()
	q.queue = append(q.queue, c)
	start := q.running < q.opts.Concurrency
	if start {
		q.running++
	}
	q.mu.Unlock()
	if start {
		go q.run()
	}
	select {
	case r := <-c.done:
		return r.Value, r.Err
	case <-ctx.Done():
		var zero R
		return zero, ctx.Err()
	}
}

// run flushes batches until the queue is empty.
func (q *Queue[I, R]) run() {
	for {
		q.mu.Lock()
		if len(q.queue) == 0 {
			q.running--
			q.mu.Unlock()
			return
		}
		n := min(len(q.queue), q.opts.MaxBatch)
		batch := slices.Clone(q.queue[:n])
		q.queue = slices.Delete(q.queue, 0, n)
		q.mu.Unlock()
		q.apply(batch)
	}
}

// apply flushes the batch's live calls and answers each.
func (q *Queue[I, R]) apply(batch []*call[I, R]) {
	live := batch[:0]
	for _, c := range batch {
		if err := c.ctx.Err(); err != nil {
			c.done <- Result[R]{Err: err}
			continue
		}
		live = append(live, c)
	}
	if len(live) == 0 {
		return
	}
	items := make([]I, len(live))
	for i, c := range live {
		items[i] = c.item
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(live[0].ctx), q.opts.Timeout)
	defer cancel()
	results := q.safeFlush(ctx, items)
	if len(results) != len(live) {
		for _, c := range live {
			c.done <- Result[R]{Err: ErrFlushAnswers}
		}
		return
	}
	for i, c := range live {
		c.done <- results[i]
	}
}

// safeFlush turns a panicking flush into an error for its items, so no
// caller waits forever and the runner count stays right.
func (q *Queue[I, R]) safeFlush(ctx context.Context, items []I) (results []Result[R]) {
	defer func() {
		if p := recover(); p != nil {
			err := fmt.Errorf("groupcommit: flush panicked: %v", p)
			results = make([]Result[R], len(items))
			for i := range results {
				results[i].Err = err
			}
		}
	}()
	return q.flush(ctx, items)
}
