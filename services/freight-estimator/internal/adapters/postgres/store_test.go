package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/app"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/domain"
	"github.com/crossdock/crossdock/services/freight-estimator/migrations"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var (
	ctx   = context.Background()
	now   = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	route = domain.Route{OriginCountry: "CN", OriginRegion: "CN-GD", DestinationCountry: "US", DestinationRegion: "US-CA"}
)

func shipments(prefix string, n int) []domain.Shipment {
	out := make([]domain.Shipment, n)
	for i := range out {
		out[i] = domain.Shipment{
			ID: fmt.Sprintf("%s-%d", prefix, i), Route: route, VolumeCM3: 1000, WeightG: 2000, Value: 5000, Freight: int64(100 + i),
			CompletedAt: now.Add(-time.Hour), Currency: "USD", TransactionMinor: 5100, GoodsMinor: 5000, DeclaredCurrency: "USD", DeclaredMinor: 5000,
		}
	}
	return out
}

func add(t *testing.T, s *postgres.Store, batch []domain.Shipment) []bool {
	t.Helper()
	var added []bool
	err := s.InTx(ctx, func(r app.Repository) error {
		var err error
		added, err = r.AddShipments(ctx, batch, app.SourceImport)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return added
}

// Each write to a route bumps its sequence number and stamps its records;
// loading above a sequence number returns exactly the later writes.
func TestRouteSequenceIncrements(t *testing.T) {
	s := postgres.New(testkit.Database(t, testkit.Migrations{Name: "freight", FS: migrations.FS}))
	add(t, s, shipments("a", 3))
	added := add(t, s, append(shipments("a", 1), shipments("b", 2)...))
	if added[0] || !added[1] || !added[2] {
		t.Fatalf("added = %v, want the known id refused", added)
	}
	since := now.Add(-24 * time.Hour).UnixMicro()
	all, maxSeq, err := s.LoadRoute(ctx, 1, since, 0)
	if err != nil || len(all) != 5 || maxSeq != 2 {
		t.Fatalf("full load: %d records, max seq %d, %v", len(all), maxSeq, err)
	}
	inc, maxSeq, err := s.LoadRoute(ctx, 1, since, 1)
	if err != nil || len(inc) != 2 || maxSeq != 2 {
		t.Fatalf("increment: %d records, max seq %d, %v", len(inc), maxSeq, err)
	}
	if recent, _, _ := s.LoadRoute(ctx, 1, now.UnixMicro(), 0); len(recent) != 0 {
		t.Errorf("records completed before since were loaded: %d", len(recent))
	}
	// A bulk load is one more step of the sequence.
	if err := s.CopyShipments(ctx, shipments("c", 100), app.SourceImport); err != nil {
		t.Fatal(err)
	}
	inc, maxSeq, err = s.LoadRoute(ctx, 1, since, 2)
	if err != nil || len(inc) != 100 || maxSeq != 3 {
		t.Fatalf("after the bulk load: %d records, max seq %d, %v", len(inc), maxSeq, err)
	}
}

// A second writer to a route waits for the first to commit, so it takes the
// next sequence number only once the first's records are visible: sequence
// numbers become visible in commit order.
func TestRouteSequenceFollowsCommitOrder(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "freight", FS: migrations.FS})
	s := postgres.New(pool)
	tx1, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx1.Rollback(ctx)
	if _, err := s.WithTx(tx1).AddShipments(ctx, shipments("first", 1), app.SourceImport); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- s.InTx(ctx, func(r app.Repository) error {
			_, err := r.AddShipments(ctx, shipments("second", 1), app.SourceImport)
			return err
		})
	}()
	select {
	case err := <-done:
		t.Fatalf("the second writer did not wait for the first: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := tx1.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var first, second int64
	if err := pool.QueryRow(ctx, `SELECT (SELECT route_seq FROM shipments WHERE shipment_id = 'first-0'),
		(SELECT route_seq FROM shipments WHERE shipment_id = 'second-0')`).Scan(&first, &second); err != nil {
		t.Fatal(err)
	}
	if first != 1 || second != 2 {
		t.Errorf("sequence numbers %d then %d, want 1 then 2", first, second)
	}
}
