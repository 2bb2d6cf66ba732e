package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/migrations"
)

// A product's push is one replica's at a time: a turn taken is not taken
// again by another replica, even when the product is queued again while it
// is pushed (before, both pushed, and the older stock level could reach
// the partner last). The new turn is taken once the push is done, or when
// the lease of a replica that stopped runs out.
func TestAPushTurnIsLeasedToOneReplica(t *testing.T) {
	ctx := context.Background()
	pool := testkit.Database(t, testkit.Migrations{Name: "platform-docking", FS: migrations.FS})
	store := postgres.NewTrade(pool)
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	product := uuid.New()
	take := func(at time.Time) []app.QueuedProduct {
		t.Helper()
		qs, err := store.DueProducts(ctx, at, time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		return qs
	}
	if err := postgres.QueueProducts(ctx, pool, []uuid.UUID{product}, t0); err != nil {
		t.Fatal(err)
	}
	first := take(t0)
	if len(first) != 1 || first[0].ProductID != product {
		t.Fatalf("the first replica took %v, want the product", first)
	}
	if err := postgres.QueueProducts(ctx, pool, []uuid.UUID{product}, t0.Add(time.Second)); err != nil { // stock moved again
		t.Fatal(err)
	}
	if got := take(t0.Add(2 * time.Second)); len(got) != 0 {
		t.Fatalf("another replica took %v while the first pushes it", got)
	}
	if err := store.DoneProduct(ctx, first[0]); err != nil {
		t.Fatal(err)
	}
	again := take(t0.Add(3 * time.Second))
	if len(again) != 1 || !again[0].QueuedAt.Equal(t0.Add(time.Second)) {
		t.Fatalf("after the push: %v, want the turn queued while it ran", again)
	}
	// Its replica stopped: the turn is free once the lease ran out.
	if got := take(t0.Add(time.Minute)); len(got) != 0 {
		t.Fatalf("taken within the lease: %v", got)
	}
	retaken := take(t0.Add(3*time.Second + time.Minute))
	if len(retaken) != 1 {
		t.Fatalf("after the lease ran out: %v, want the turn", retaken)
	}
	// The stopped replica's late release does not free the lease taken
	// since; the holder's own does.
	if err := store.ReleaseProducts(ctx, again); err != nil {
		t.Fatal(err)
	}
	if got := take(t0.Add(4*time.Second + time.Minute)); len(got) != 0 {
		t.Fatalf("a released lease that had run out freed the one taken since: %v taken", got)
	}
	if err := store.ReleaseProducts(ctx, retaken); err != nil {
		t.Fatal(err)
	}
	if got := take(t0.Add(5*time.Second + time.Minute)); len(got) != 1 {
		t.Fatalf("after its holder released it: %v, want the turn", got)
	}
}

// A deferred turn (a partner failing, or left alone after a rate limit)
// waits behind the turns of products with a fresh change, however long it
// has been due; a change of its own makes it fresh again. Before, a partner
// down for an hour deferred every queued product every 30 seconds, and
// those turns, due first, took every round's batch while the healthy
// partners' fresh stock changes waited.
func TestADeferredPushWaitsBehindFreshOnes(t *testing.T) {
	ctx := context.Background()
	pool := testkit.Database(t, testkit.Migrations{Name: "platform-docking", FS: migrations.FS})
	store := postgres.NewTrade(pool)
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	deferred, fresh := uuid.New(), uuid.New()
	take := func(at time.Time) uuid.UUID {
		t.Helper()
		qs, err := store.DueProducts(ctx, at, time.Minute, 1)
		if err != nil || len(qs) != 1 {
			t.Fatalf("took %v, %v; want one turn", qs, err)
		}
		if err := store.DoneProduct(ctx, qs[0]); err != nil {
			t.Fatal(err)
		}
		return qs[0].ProductID
	}
	if err := postgres.QueueProducts(ctx, pool, []uuid.UUID{deferred}, t0); err != nil {
		t.Fatal(err)
	}
	if err := store.DeferProduct(ctx, deferred, t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := postgres.QueueProducts(ctx, pool, []uuid.UUID{fresh}, t0.Add(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := take(t0.Add(5 * time.Second)); got != fresh {
		t.Fatalf("took %v first, want the fresh turn before the deferred one, due earlier", got)
	}
	if got := take(t0.Add(5 * time.Second)); got != deferred {
		t.Fatalf("took %v, want the deferred turn once no fresh one is due", got)
	}

	// Queued again for a change of its own, a deferred turn is fresh, and
	// due first it goes first.
	if err := postgres.QueueProducts(ctx, pool, []uuid.UUID{deferred}, t0.Add(6*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := store.DeferProduct(ctx, deferred, t0.Add(7*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := postgres.QueueProducts(ctx, pool, []uuid.UUID{fresh}, t0.Add(9*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := postgres.QueueProducts(ctx, pool, []uuid.UUID{deferred}, t0.Add(8*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := take(t0.Add(10 * time.Second)); got != deferred {
		t.Fatalf("took %v first, want the turn queued again for its own change, due first", got)
	}
}
