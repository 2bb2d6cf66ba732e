package app_test

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/services/orders/internal/app"
)

// A claimed step whose turn comes when less of the lease is left than a
// step may take is not started: it is handed back, due at once, so the
// replica that claims it next does not run it beside this one; the next
// claim runs it.
func TestAStepIsNotStartedPastItsLease(t *testing.T) {
	s := newSaga(t)
	ann := s.buyer(1_000_000)
	const orders = 12 // more than run at once
	s.w.stock[s.scarf.ID] = orders
	for range orders {
		o := s.checkout(t, ann, line(s.scarf, 1))
		if _, err := s.svc.PayOrder(ctx, ann, o.ID); err != nil {
			t.Fatal(err)
		}
	}
	var now atomic.Int64
	now.Store(s.at.UnixNano())
	s.svc.SetClock(func() time.Time { return time.Unix(0, now.Load()).UTC() })
	var holds atomic.Int32
	var slow sync.Once
	s.w.holding = func() {
		holds.Add(1)
		// The first steps take long enough that little of the lease is
		// left when the later ones' turn comes.
		slow.Do(func() { now.Add(int64(6 * time.Second)) })
	}
	n, err := s.svc.RunTasks(ctx, 100, slog.New(slog.DiscardHandler))
	if err != nil || n != orders {
		t.Fatalf("RunTasks = %d, %v; want the %d holds claimed", n, err, orders)
	}
	var left int
	var earliest time.Time
	if err := s.pool.QueryRow(ctx, `SELECT count(*), coalesce(min(due_at), now()) FROM saga_tasks WHERE kind = $1`, app.TaskHoldOrderStock).
		Scan(&left, &earliest); err != nil {
		t.Fatal(err)
	}
	started := int(holds.Load())
	if started >= orders || left != orders-started || earliest.After(time.Unix(0, now.Load())) {
		t.Fatalf("%d holds started, %d steps left due from %v; want the rest handed back, due now", started, left, earliest)
	}
	var attempts int
	if err := s.pool.QueryRow(ctx, `SELECT max(attempts) FROM saga_tasks WHERE kind = $1`, app.TaskHoldOrderStock).Scan(&attempts); err != nil {
		t.Fatal(err)
	}
	if attempts != 0 {
		t.Errorf("a step handed back counts %d attempts, want 0: it never ran", attempts)
	}
	s.run(t)
	if got := int(holds.Load()); got != orders {
		t.Errorf("%d holds after the next claim, want %d", got, orders)
	}
}

// A step of a kind this version does not know (a newer version scheduled
// it, its replicas running beside this one's during a rolling update) is
// postponed, not dropped: a replica that knows it runs it later. Before,
// an old replica claimed it and deleted it as done, and the step was lost.
// A failing one stays failing, with its attempts: the old replica never
// ran it. Before, it cleared the failure (the failing-steps alert with it)
// and counted an attempt each minute.
func TestAStepOfAnUnknownKindIsPostponedNotDropped(t *testing.T) {
	s := newSaga(t)
	order := uuid.New()
	failingSince := s.at.Add(-10 * time.Minute)
	if _, err := s.pool.Exec(ctx, `INSERT INTO saga_tasks (kind, subject, order_id, due_at, created_at, attempts, last_error, failing_since)
		VALUES ('from_a_newer_version', $1, $1, $2, $2, 3, 'the peer is down', $3)`,
		order, s.at, failingSince); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.RunTasks(ctx, 100, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	var due time.Time
	var attempts int
	var lastError string
	var since *time.Time
	if err := s.pool.QueryRow(ctx, `SELECT due_at, attempts, last_error, failing_since FROM saga_tasks WHERE kind = 'from_a_newer_version'`).
		Scan(&due, &attempts, &lastError, &since); err != nil {
		t.Fatalf("the step of an unknown kind is gone: %v", err)
	}
	if !due.After(s.at) {
		t.Errorf("it is due at %v, want later than now (%v)", due, s.at)
	}
	if attempts != 3 || lastError != "the peer is down" || since == nil || !since.Equal(failingSince) {
		t.Errorf("attempts %d, last error %q, failing since %v; want 3, its error, since %v", attempts, lastError, since, failingSince)
	}
}
