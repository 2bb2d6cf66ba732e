package app_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/inventory/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/inventory/internal/app"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

// One group-committed batch gives every call its own answer: refusals undo
// only their own writes, calls see the earlier calls of the batch, and an
// order id repeated in the batch gets the reservation its first call made.
func TestReserveBatchAnswersEachCallOnItsOwn(t *testing.T) {
	f := newFixture(t, 8)
	sup := supplier()
	w := f.warehouse(t, sup)
	hot, other := f.sku(t, sup, "HOT"), f.sku(t, sup, "OTHER")
	f.stock(t, sup, w, hot, 3)
	f.stock(t, sup, w, other, 10)
	unknown := uuid.Must(uuid.NewV7())

	in := []app.ReserveInput{
		{OrderID: "o1", Lines: []domain.OrderLine{line(hot, 2)}},
		{OrderID: "o2", Lines: []domain.OrderLine{line(hot, 2), line(other, 1)}}, // only 1 hot left
		{OrderID: "o3", Lines: []domain.OrderLine{line(unknown, 1)}},
		{OrderID: "o4", Lines: []domain.OrderLine{line(hot, 1), line(other, 4)}},
		{OrderID: "o1", Lines: []domain.OrderLine{line(hot, 2)}}, // a retry of o1
		{OrderID: "o1", Lines: []domain.OrderLine{line(hot, 1)}}, // o1 with other lines
		{OrderID: "o2", Lines: []domain.OrderLine{line(other, 1)}},
	}
	res, errs := app.ReserveAsOneBatch(ctx, f.svc, orders, in)

	const succeeds = apperr.KindUnknown
	for _, tc := range []struct {
		i    int
		kind apperr.Kind
	}{
		{0, succeeds}, {1, apperr.KindFailedPrecondition}, {2, apperr.KindNotFound}, {3, succeeds},
		{4, succeeds}, {5, apperr.KindAlreadyExists}, {6, succeeds},
	} {
		t.Run(fmt.Sprintf("call %d of %s", tc.i, in[tc.i].OrderID), func(t *testing.T) {
			err := errs[tc.i]
			if tc.kind == succeeds && err != nil || apperr.KindOf(err) != tc.kind {
				t.Fatalf("error %v (%v), want %v", err, apperr.KindOf(err), tc.kind)
			}
		})
	}
	if !errors.Is(errs[1], domain.ErrInsufficientStock) {
		t.Errorf("o2's first call: %v, want insufficient stock", errs[1])
	}
	if res[4].ID != res[0].ID {
		t.Errorf("o1's retry in the batch returned reservation %s, want the first call's %s", res[4].ID, res[0].ID)
	}
	if l := f.level(t, w.ID, hot); l.Reserved != 3 || l.OnHand != 3 {
		t.Errorf("hot level = %+v, want 3 reserved of 3", l)
	}
	if l := f.level(t, w.ID, other); l.Reserved != 5 {
		t.Errorf("other level = %+v, want 5 reserved (o4's 4, o2's 1)", l)
	}
	if n := f.count(t, "SELECT count(*) FROM reservations"); n != 3 {
		t.Errorf("reservations = %d, want 3 (o1, o4, o2)", n)
	}
	if n := f.count(t, "SELECT count(*) FROM outbox WHERE subject = $1", app.SubjectReservationReserved); n != 3 {
		t.Errorf("ReservationReserved events = %d, want 3", n)
	}
	f.mustHoldInvariants(t)
}

// A batch after earlier ones mixes new reservations, refusals and orders
// reserved before: a retry of a stored reservation gets the same answer (and
// moves nothing), an order reserved with other lines is refused, a refusal
// leaves no row behind, and the others are made.
func TestReserveBatchMixesSuccessRefusalAndDuplicates(t *testing.T) {
	f := newFixture(t, 8)
	sup := supplier()
	w := f.warehouse(t, sup)
	hot, other := f.sku(t, sup, "HOT"), f.sku(t, sup, "OTHER")
	f.stock(t, sup, w, hot, 5)
	f.stock(t, sup, w, other, 5)

	first, errs := app.ReserveAsOneBatch(ctx, f.svc, orders, []app.ReserveInput{
		{OrderID: "o1", Lines: []domain.OrderLine{line(hot, 2)}},
		{OrderID: "o2", Lines: []domain.OrderLine{line(other, 1)}},
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("first batch, call %d: %v", i, err)
		}
	}
	f.clock.Advance(time.Minute)
	in := []app.ReserveInput{
		{OrderID: "o1", Lines: []domain.OrderLine{line(hot, 2)}},                 // 0: a retry: o1 as made
		{OrderID: "o3", Lines: []domain.OrderLine{line(hot, 4)}},                 // 1: 3 hot left: refused
		{OrderID: "o2", Lines: []domain.OrderLine{line(hot, 1)}},                 // 2: o2 has other lines
		{OrderID: "o4", Lines: []domain.OrderLine{line(hot, 3), line(other, 1)}}, // 3: made
		{OrderID: "o1", Lines: []domain.OrderLine{line(hot, 2)}, TTL: time.Hour}, // 4: a retry extending o1
		{OrderID: "o5", Lines: []domain.OrderLine{line(hot, 1)}},                 // 5: no hot left: refused
		{OrderID: "o4", Lines: []domain.OrderLine{line(hot, 3), line(other, 1)}}, // 6: a retry of o4 in the batch
	}
	res, errs := app.ReserveAsOneBatch(ctx, f.svc, orders, in)
	for _, tc := range []struct {
		i    int
		want error
		same string // the reservation the call answers with
	}{
		{0, nil, first[0].ID.String()},
		{1, domain.ErrInsufficientStock, ""},
		{2, domain.ErrOrderReservedOtherwise, ""},
		{3, nil, ""},
		{4, nil, first[0].ID.String()},
		{5, domain.ErrInsufficientStock, ""},
		{6, nil, res[3].ID.String()},
	} {
		t.Run(fmt.Sprintf("call %d of %s", tc.i, in[tc.i].OrderID), func(t *testing.T) {
			if !errors.Is(errs[tc.i], tc.want) || tc.want == nil && errs[tc.i] != nil {
				t.Fatalf("error %v, want %v", errs[tc.i], tc.want)
			}
			if tc.same != "" && res[tc.i].ID.String() != tc.same {
				t.Errorf("reservation %s, want %s", res[tc.i].ID, tc.same)
			}
		})
	}
	if got := res[0]; len(got.Lines) != 1 || got.Lines[0].Quantity != 2 || !got.ExpiresAt.Equal(first[0].ExpiresAt) {
		t.Errorf("o1's retry = %+v, want o1 as made first", got)
	}
	stored, err := f.svc.GetReservation(ctx, orders, "o1")
	if err != nil {
		t.Fatal(err)
	}
	if want := f.clock.Now().UTC().Truncate(time.Microsecond).Add(time.Hour); !stored.ExpiresAt.Equal(want) {
		t.Errorf("o1 expires at %v, want %v (extended by the retry with a ttl)", stored.ExpiresAt, want)
	}
	if l := f.level(t, w.ID, hot); l.Reserved != 5 {
		t.Errorf("hot reserved = %d, want 5 (o1's 2, o4's 3)", l.Reserved)
	}
	if l := f.level(t, w.ID, other); l.Reserved != 2 {
		t.Errorf("other reserved = %d, want 2 (o2's 1, o4's 1)", l.Reserved)
	}
	if n := f.count(t, "SELECT count(*) FROM reservations WHERE order_id IN ('o3', 'o5')"); n != 0 {
		t.Errorf("%d refused reservations were stored", n)
	}
	if n := f.count(t, "SELECT count(*) FROM outbox WHERE subject = $1", app.SubjectReservationReserved); n != 3 {
		t.Errorf("ReservationReserved events = %d, want 3 (o1, o2, o4)", n)
	}
	if n := f.count(t, "SELECT count(*) FROM stock_journal WHERE kind = 'reservation'"); n != 4 {
		t.Errorf("reservation journal entries = %d, want 4 (o1, o2, o4 twice)", n)
	}
	f.mustHoldInvariants(t)
}

// statementCounter counts the statements a pool sends, one per round trip
// (a pgx batch, a pipeline of statements, is one).
type statementCounter struct{ n atomic.Int64 }

func (c *statementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (c *statementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (c *statementCounter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (c *statementCounter) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (c *statementCounter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// A batch costs the same round trips whatever its size: 4 calls or 60, each
// batch with a retry extending a stored reservation, a repeated order and a
// refusal among them.
func TestReserveBatchRoundTripsDoNotGrowWithItsSize(t *testing.T) {
	f := newFixture(t, 8)
	sup := supplier()
	w := f.warehouse(t, sup)
	skus := make([]uuid.UUID, 8)
	for i := range skus {
		skus[i] = f.sku(t, sup, fmt.Sprintf("SKU-%d", i))
		f.stock(t, sup, w, skus[i], 1000)
	}
	cfg := f.base.Config()
	cfg.MaxConns = 1
	counter := &statementCounter{}
	cfg.ConnConfig.Tracer = counter
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	svc := app.New(postgres.New(pool), app.DefaultConfig(), app.WithClock(f.clock.Now))

	stored := app.ReserveInput{OrderID: "stored", Lines: []domain.OrderLine{line(skus[0], 1)}}
	batch := func(name string, n int) []app.ReserveInput {
		in := []app.ReserveInput{
			{OrderID: stored.OrderID, Lines: stored.Lines, TTL: time.Hour},
			{OrderID: name + "-refused", Lines: []domain.OrderLine{line(skus[1], 5000)}},
		}
		for i := range n {
			in = append(in, app.ReserveInput{OrderID: fmt.Sprintf("%s-%d", name, i), Lines: []domain.OrderLine{line(skus[i%len(skus)], 1)}})
		}
		return append(in, in[len(in)-1])
	}
	count := func(in []app.ReserveInput) int64 {
		t.Helper()
		f.clock.Advance(time.Minute) // so the retry of "stored" extends it
		before := counter.n.Load()
		_, errs := app.ReserveAsOneBatch(ctx, svc, orders, in)
		for i, err := range errs {
			if (i == 1) != (err != nil) {
				t.Fatalf("call %d (%s): %v", i, in[i].OrderID, err)
			}
		}
		return counter.n.Load() - before
	}
	if _, errs := app.ReserveAsOneBatch(ctx, svc, orders, []app.ReserveInput{stored}); errs[0] != nil {
		t.Fatal(errs[0])
	}
	count(batch("warm", 8)) // the connection prepares its statements once
	small, large := count(batch("small", 1)), count(batch("large", 57))
	if small != large {
		t.Errorf("a batch of 4 sent %d statements, a batch of 60 sent %d", small, large)
	}
	// BEGIN; claim; lock the stored reservations, read their lines; one
	// pipeline reading the SKUs and locking their stock; one pipeline of the
	// writes and the events; COMMIT.
	if large > 7 {
		t.Errorf("a batch sent %d statements, want at most 7", large)
	}
	t.Logf("statements per batch: %d", large)
	f.mustHoldInvariants(t)
}

// Batches running at once never share a SKU: while one batch waits on a hot
// SKU, calls of another SKU commit beside it, and the calls of the hot SKU
// that arrive meanwhile wait and then go together into one next batch.
func TestReserveBatchesOfOneSKUFollowEachOther(t *testing.T) {
	f := newFixture(t, 8)
	sup := supplier()
	w := f.warehouse(t, sup)
	hot, other := f.sku(t, sup, "HOT"), f.sku(t, sup, "OTHER")
	f.stock(t, sup, w, hot, 10)
	f.stock(t, sup, w, other, 10)

	lock, err := f.base.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback(ctx)
	if _, err := lock.Exec(ctx, "SELECT 1 FROM stock WHERE sku_id = $1 FOR UPDATE", hot); err != nil {
		t.Fatal(err)
	}
	reserve := func(order string, sku uuid.UUID, done chan<- error) {
		_, err := f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: order, Lines: []domain.OrderLine{line(sku, 1)}})
		done <- err
	}
	first := make(chan error, 1)
	go reserve("first", hot, first)
	waitFor(t, func() bool {
		return f.count(t, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") == 1
	}, "the first batch did not wait for the stock row")

	const queued = 5
	hotDone := make(chan error, queued)
	for i := range queued {
		go reserve(fmt.Sprintf("queued-%d", i), hot, hotDone)
	}
	waitFor(t, func() bool { return app.QueuedReservations(f.svc) == queued }, "the calls of the hot SKU were not queued")
	otherDone := make(chan error, 1)
	go reserve("other", other, otherDone)
	select {
	case err := <-otherDone:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a call of another SKU waited for the hot SKU's batch")
	}
	if n := app.QueuedReservations(f.svc); n != queued {
		t.Fatalf("%d calls queued, want the %d of the hot SKU", n, queued)
	}

	if err := lock.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	for range queued {
		if err := <-hotDone; err != nil {
			t.Fatal(err)
		}
	}
	if n := f.count(t, "SELECT count(DISTINCT xmin::text) FROM reservations WHERE order_id LIKE 'queued-%'"); n != 1 {
		t.Errorf("the queued calls committed in %d transactions, want 1", n)
	}
	if l := f.level(t, w.ID, hot); l.Reserved != queued+1 {
		t.Errorf("hot reserved = %d, want %d", l.Reserved, queued+1)
	}
	f.mustHoldInvariants(t)
}

// The calls of a SKU are taken in the order they came: a call of two SKUs
// that waits for the batch holding one of them is not passed over by later
// calls of the other, which wait with it and then go into the same batch.
func TestReserveCallOfTwoSKUsIsNotPassedOver(t *testing.T) {
	f := newFixture(t, 8)
	sup := supplier()
	w := f.warehouse(t, sup)
	x, y := f.sku(t, sup, "X"), f.sku(t, sup, "Y")
	f.stock(t, sup, w, x, 10)
	f.stock(t, sup, w, y, 10)
	hold := func(sku uuid.UUID) pgx.Tx {
		tx, err := f.base.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tx.Rollback(ctx) })
		if _, err := tx.Exec(ctx, "SELECT 1 FROM stock WHERE sku_id = $1 FOR UPDATE", sku); err != nil {
			t.Fatal(err)
		}
		return tx
	}
	waiters := func(n int) {
		t.Helper()
		waitFor(t, func() bool {
			return f.count(t, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") == n
		}, fmt.Sprintf("%d batches did not wait for the stock rows", n))
	}
	reserve := func(order string, skus ...uuid.UUID) chan error {
		done := make(chan error, 1)
		var lines []domain.OrderLine
		for _, s := range skus {
			lines = append(lines, line(s, 1))
		}
		go func() {
			_, err := f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: order, Lines: lines})
			done <- err
		}()
		return done
	}
	lockX, lockY := hold(x), hold(y)
	first := reserve("y-first", y)
	waiters(1)
	second := reserve("x-first", x)
	waiters(2)
	both := reserve("both", x, y)
	waitFor(t, func() bool { return app.QueuedReservations(f.svc) == 1 }, "the call of both SKUs was not queued")
	later := reserve("x-later", x)
	waitFor(t, func() bool { return app.QueuedReservations(f.svc) == 2 }, "the later call of X was not queued")

	if err := lockX.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return app.RunningReserveBatches(f.svc) == 1 }, "the runner of X's batch went on")
	if n := app.QueuedReservations(f.svc); n != 2 {
		t.Fatalf("%d calls queued, want 2: the later call of X went before the call of both", n)
	}

	if err := lockY.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	for _, done := range []chan error{first, both, later} {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if n := f.count(t, "SELECT count(DISTINCT xmin::text) FROM reservations WHERE order_id IN ('both', 'x-later')"); n != 1 {
		t.Errorf("the call of both SKUs and the later call of X committed in %d transactions, want 1", n)
	}
	f.mustHoldInvariants(t)
}

// A caller that gives up while its reservation waits for a batch gets its
// context's error at once, and its reservation is never made.
func TestReserveCallerGivingUpInTheQueue(t *testing.T) {
	f := newFixture(t, 8)
	svc := app.New(f.store, app.Config{ReserveConcurrency: 1}, app.WithClock(f.clock.Now))
	sup := supplier()
	w := f.warehouse(t, sup)
	sku := f.sku(t, sup, "HOT")
	f.stock(t, sup, w, sku, 10)

	// Hold the stock row, so the first batch waits for it.
	lock, err := f.base.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback(ctx)
	if _, err := lock.Exec(ctx, "SELECT 1 FROM stock WHERE sku_id = $1 FOR UPDATE", sku); err != nil {
		t.Fatal(err)
	}
	first := make(chan error, 1)
	go func() {
		_, err := svc.Reserve(ctx, orders, app.ReserveInput{OrderID: "first", Lines: []domain.OrderLine{line(sku, 1)}})
		first <- err
	}()
	waitFor(t, func() bool {
		return f.count(t, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") == 1
	}, "the first batch did not wait for the stock row")

	waiting, cancel := context.WithCancel(ctx)
	gaveUp := make(chan error, 1)
	go func() {
		_, err := svc.Reserve(waiting, orders, app.ReserveInput{OrderID: "gave-up", Lines: []domain.OrderLine{line(sku, 1)}})
		gaveUp <- err
	}()
	cancel()
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Fatalf("the caller that gave up got %v, want context.Canceled", err)
	}

	if err := lock.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	// Queued behind the call that gave up: once it is answered, that call
	// was passed over.
	if _, err := svc.Reserve(ctx, orders, app.ReserveInput{OrderID: "last", Lines: []domain.OrderLine{line(sku, 1)}}); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, "SELECT count(*) FROM reservations WHERE order_id = 'gave-up'"); n != 0 {
		t.Errorf("the reservation of the caller that gave up was made")
	}
	if l := f.level(t, w.ID, sku); l.Reserved != 2 {
		t.Errorf("reserved = %d, want 2", l.Reserved)
	}
	f.mustHoldInvariants(t)
}

// waitFor polls cond until it holds, failing the test after 10 s.
func waitFor(t *testing.T, cond func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
