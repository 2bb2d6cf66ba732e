package events

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/proto"

	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/platform-docking/migrations"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// Stock changes of a listed product wait StockPushDelay for their push, so
// a busy product's changes share one; a catalogue change brings the push
// forward, and a SKU listed nowhere queues nothing.
func TestStockChangesShareADelayedPush(t *testing.T) {
	ctx := context.Background()
	pool := testkit.Database(t, testkit.Migrations{Name: "platform-docking", FS: migrations.FS})
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	partner, product, sku, unlisted := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	if _, err := pool.Exec(ctx, `INSERT INTO partners (partner_id, code, name, protocol, endpoint, locales, commission_bps, status, created_at, updated_at)
		VALUES ($1, 'p', 'P', 'standard_grpc', 'localhost:1', '{en}', 0, 'unverified', $2, $2)`, partner, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO listings (partner_id, sku_id, product_id, supplier_id, marker, status, locale, currency, price_minor, stock, updated_at)
		VALUES ($1, $2, $3, $4, 'm', 'live', 'en', 'USD', 100, 5, $5)`, partner, sku, product, uuid.New(), t0); err != nil {
		t.Fatal(err)
	}
	now := t0
	c := Consumers{Now: func() time.Time { return now }, StockPushDelay: 2 * time.Second}
	change := func(id uuid.UUID) {
		t.Helper()
		payload, err := proto.Marshal(&inventoryv1.StockChanged{SkuId: id.String()})
		if err != nil {
			t.Fatal(err)
		}
		if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return c.stockChanged(ctx, tx, payload) }); err != nil {
			t.Fatal(err)
		}
	}
	store := postgres.NewTrade(pool)
	// due takes the products due at at, and pushes them (done).
	due := func(at time.Time) []uuid.UUID {
		t.Helper()
		qs, err := store.DueProducts(ctx, at, time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		var ids []uuid.UUID
		for _, q := range qs {
			ids = append(ids, q.ProductID)
			if err := store.DoneProduct(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		return ids
	}

	change(sku)
	change(unlisted)
	now = t0.Add(time.Second)
	change(sku) // within the delay: the first change's push takes it
	if got := due(t0.Add(1999 * time.Millisecond)); len(got) != 0 {
		t.Errorf("due before the delay: %v", got)
	}
	if got := due(t0.Add(2 * time.Second)); len(got) != 1 || got[0] != product {
		t.Errorf("due at the delay: %v, want [%s] once", got, product)
	}
	now = t0.Add(3 * time.Second)
	change(sku)                                                                // pushed at t0+5s
	if err := store.QueueProducts(ctx, []uuid.UUID{product}, t0); err != nil { // a catalogue change
		t.Fatal(err)
	}
	if got := due(t0); len(got) != 1 {
		t.Errorf("a catalogue change left the push at the stock delay: due %v", got)
	}
}
