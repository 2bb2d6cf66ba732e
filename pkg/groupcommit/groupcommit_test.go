package groupcommit_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/crossdock/crossdock/pkg/groupcommit"
)

// gate is a flush that records batch sizes, blocks each flush until released,
// and answers item*10 or an error for negative items.
type gate struct {
	mu      sync.Mutex
	sizes   []int
	entered chan int
	release chan struct{}
	active  atomic.Int32
	peak    atomic.Int32
}

func newGate() *gate {
	return &gate{entered: make(chan int, 100), release: make(chan struct{})}
}

func (g *gate) flush(_ context.Context, items []int) []groupcommit.Result[int] {
	n := g.active.Add(1)
	for {
		p := g.peak.Load()
		if n <= p || g.peak.CompareAndSwap(p, n) {
			break
		}
	}
	g.mu.Lock()
	g.sizes = append(g.sizes, len(items))
	g.mu.Unlock()
	g.entered <- len(items)
	<-g.release
	g.active.Add(-1)
	out := make([]groupcommit.Result[int], len(items))
	for i, it := range items {
		if it < 0 {
			out[i].Err = fmt.Errorf("item %d refused", it)
			continue
		}
		out[i].Value = it * 10
	}
	return out
}

func TestBatchesFormWhileAFlushRuns(t *testing.T) {
	cases := []struct {
		name              string
		maxBatch, waiting int
		wantSizes         []int // after the first batch of 1
	}{
		{"all waiting calls in one batch", 256, 10, []int{10}},
		{"split at MaxBatch", 4, 10, []int{4, 4, 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := newGate()
			q := groupcommit.New(g.flush, groupcommit.Options{MaxBatch: tc.maxBatch})
			var wg sync.WaitGroup
			got := make([]int, tc.waiting+1)
			errs := make([]error, tc.waiting+1)
			wg.Go(func() { got[0], errs[0] = q.Submit(context.Background(), 0) })
			<-g.entered // the first flush holds the runner
			for i := 1; i <= tc.waiting; i++ {
				wg.Go(func() { got[i], errs[i] = q.Submit(context.Background(), i) })
			}
			waitQueued(q, tc.waiting)
			close(g.release)
			wg.Wait()
			for i := range got {
				if errs[i] != nil || got[i] != i*10 {
					t.Errorf("item %d = %d, %v", i, got[i], errs[i])
				}
			}
			want := append([]int{1}, tc.wantSizes...)
			if fmt.Sprint(g.sizes) != fmt.Sprint(want) {
				t.Errorf("batch sizes %v, want %v", g.sizes, want)
			}
		})
	}
}

func TestEachItemGetsItsOwnError(t *testing.T) {
	g := newGate()
	close(g.release)
	q := groupcommit.New(g.flush, groupcommit.Options{})
	if v, err := q.Submit(context.Background(), 3); err != nil || v != 30 {
		t.Errorf("3 = %d, %v", v, err)
	}
	if _, err := q.Submit(context.Background(), -1); err == nil {
		t.Error("refused item answered without error")
	}
}

func TestConcurrencyIsRespected(t *testing.T) {
	g := newGate()
	q := groupcommit.New(g.flush, groupcommit.Options{MaxBatch: 1, Concurrency: 3})
	var wg sync.WaitGroup
	for i := range 9 {
		wg.Go(func() {
			if _, err := q.Submit(context.Background(), i); err != nil {
				t.Error(err)
			}
		})
	}
	for range 3 {
		<-g.entered
	}
	close(g.release)
	wg.Wait()
	if p := g.peak.Load(); p != 3 {
		t.Errorf("peak concurrent flushes %d, want 3", p)
	}
}

func TestCancelledCallerIsLeftOut(t *testing.T) {
	g := newGate()
	q := groupcommit.New(g.flush, groupcommit.Options{})
	var wg sync.WaitGroup
	wg.Go(func() { _, _ = q.Submit(context.Background(), 1) })
	<-g.entered
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := q.Submit(ctx, 2); done <- err }()
	waitQueued(q, 1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Submit = %v", err)
	}
	wg.Go(func() { _, _ = q.Submit(context.Background(), 3) })
	waitQueued(q, 2)
	close(g.release)
	wg.Wait()
	// The runner drains the queue before it exits; item 2 must not be flushed.
	if fmt.Sprint(g.sizes) != "[1 1]" {
		t.Errorf("batch sizes %v, want [1 1]: the cancelled item was flushed", g.sizes)
	}
}

func TestPanickingFlushAnswersEveryone(t *testing.T) {
	q := groupcommit.New(func(context.Context, []int) []groupcommit.Result[int] { panic("boom") }, groupcommit.Options{})
	if _, err := q.Submit(context.Background(), 1); err == nil {
		t.Error("no error from a panicking flush")
	}
	short := groupcommit.New(func(context.Context, []int) []groupcommit.Result[int] { return nil }, groupcommit.Options{})
	if _, err := short.Submit(context.Background(), 1); !errors.Is(err, groupcommit.ErrFlushAnswers) {
		t.Errorf("short answer: %v", err)
	}
}

// waitQueued waits until n calls wait in q's queue (a state, not a time).
func waitQueued(q *groupcommit.Queue[int, int], n int) {
	for q.Queued() < n {
		groupcommit.Yield()
	}
}
