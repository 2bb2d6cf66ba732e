package app_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/inventory/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/inventory/internal/app"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
	"github.com/crossdock/crossdock/services/inventory/migrations"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var ctx = context.Background()

type fixture struct {
	svc   *app.Service
	store *postgres.Store
	pool  *pgxpool.Pool
	// base is a second pool on the same database, still open after pool
	// closes.
	base  *pgxpool.Pool
	clock *testkit.Clock
}

// newFixture returns the use cases on a fresh database. The pool allows
// conns connections, so concurrency tests really run transactions in
// parallel (the default pool has only a handful).
func newFixture(t testing.TB, conns int32) *fixture {
	t.Helper()
	base := testkit.Database(t, testkit.Migrations{Name: "inventory", FS: migrations.FS})
	cfg := base.Config()
	cfg.MaxConns = conns
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	c := testkit.NewClock(time.Now().UTC())
	store := postgres.New(pool)
	return &fixture{svc: app.New(store, app.DefaultConfig(), app.WithClock(c.Now)), store: store, pool: pool, base: base, clock: c}
}

// Callers as the gRPC edge builds them from verified tokens.
var (
	orders   = auth.Caller{Subject: "orders", Kind: auth.KindService, Roles: []string{auth.RoleService}}
	admin    = auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: []string{auth.RoleAdmin}}
	reviewer = auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: []string{auth.RoleReviewer}}
	buyer    = auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}}
)

// supplier returns a member of a new approved supplier organization.
func supplier() auth.Caller {
	return auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: []string{auth.RoleSupplier},
		OrganizationID: uuid.NewString(), OrganizationRole: auth.OrgRoleOwner}
}

func orgOf(c auth.Caller) uuid.UUID { return uuid.MustParse(c.OrganizationID) }

// sku registers a SKU of the supplier as the catalog event would.
func (f *fixture) sku(t testing.TB, owner auth.Caller, code string) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	err := f.store.InTx(ctx, func(r app.Repository) error {
		return f.svc.HandleSKUCreated(ctx, r, app.SKUCreated{SKUID: id, ProductID: uuid.Must(uuid.NewV7()),
			SupplierID: orgOf(owner), Code: code, At: f.clock.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// productOf returns a SKU's product id.
func (f *fixture) productOf(t testing.TB, sku uuid.UUID) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := f.pool.QueryRow(ctx, "SELECT product_id FROM skus WHERE id = $1", sku).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *fixture) warehouse(t testing.TB, owner auth.Caller) domain.Warehouse {
	t.Helper()
	kind := domain.WarehouseSupplier
	if owner.HasRole(auth.RoleAdmin) {
		kind = domain.WarehouseCentral
	}
	w, err := f.svc.CreateWarehouse(ctx, owner, domain.WarehouseInput{Name: "Main", Kind: kind, CountryCode: "DE", RegionCode: "DE-BE"}, "")
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// stock adds qty units on hand by an adjustment.
func (f *fixture) stock(t testing.TB, owner auth.Caller, w domain.Warehouse, sku uuid.UUID, qty int64) {
	t.Helper()
	if _, err := f.svc.AdjustStock(ctx, owner, app.AdjustInput{WarehouseID: w.ID, SKUID: sku, Delta: qty, Reason: "count", IdempotencyKey: uuid.NewString()}); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) level(t testing.TB, w, sku uuid.UUID) domain.Level {
	t.Helper()
	var l domain.Level
	err := f.pool.QueryRow(ctx, "SELECT on_hand, reserved, low_stock_threshold FROM stock WHERE sku_id = $1 AND warehouse_id = $2",
		sku, w).Scan(&l.OnHand, &l.Reserved, &l.LowStockThreshold)
	if err != nil {
		t.Fatalf("level: %v", err)
	}
	l.SKUID, l.WarehouseID = sku, w
	return l
}

func (f *fixture) count(t testing.TB, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// rowCounts counts every table a command could write.
func (f *fixture) rowCounts(t testing.TB) map[string]int {
	out := map[string]int{}
	for _, table := range []string{"warehouses", "stock", "stock_journal", "reservations", "reservation_lines",
		"command_keys", "purchase_orders", "purchase_order_lines", "outbox", "skus", "products"} {
		out[table] = f.count(t, "SELECT count(*) FROM "+table)
	}
	return out
}

// events returns the outbox subjects in order.
func (f *fixture) events(t testing.TB) []string {
	t.Helper()
	rows, err := f.pool.Query(ctx, "SELECT subject FROM outbox ORDER BY seq")
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// invariants checks what must hold after any sequence of commands, and
// returns every breach found:
//   - 0 ≤ reserved ≤ on_hand on every stock row (available ≥ 0);
//   - the journal adds up: the deltas of a row's entries sum to its levels,
//     and its newest entry shows its current levels;
//   - reserved equals the lines of the row's active reservations.
func (f *fixture) invariants() error {
	var errs []error
	check := func(what, sql string) {
		rows, err := f.pool.Query(ctx, sql)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			vals, _ := rows.Values()
			errs = append(errs, fmt.Errorf("%s: %v", what, vals))
		}
	}
	check("negative or oversold", `SELECT sku_id::text, warehouse_id::text, on_hand, reserved FROM stock
		WHERE on_hand < 0 OR reserved < 0 OR reserved > on_hand`)
	check("journal sum differs from levels", `SELECT s.sku_id::text, s.warehouse_id::text, s.on_hand, s.reserved,
			coalesce(sum(j.on_hand_delta), 0)::bigint, coalesce(sum(j.reserved_delta), 0)::bigint
		FROM stock s LEFT JOIN stock_journal j USING (sku_id, warehouse_id)
		GROUP BY s.sku_id, s.warehouse_id, s.on_hand, s.reserved
		HAVING coalesce(sum(j.on_hand_delta), 0) <> s.on_hand OR coalesce(sum(j.reserved_delta), 0) <> s.reserved`)
	check("newest journal entry differs from levels", `SELECT s.sku_id::text, s.warehouse_id::text, s.on_hand, s.reserved, j.on_hand, j.reserved
		FROM stock s JOIN LATERAL (SELECT on_hand, reserved FROM stock_journal
			WHERE sku_id = s.sku_id AND warehouse_id = s.warehouse_id ORDER BY id DESC LIMIT 1) j ON true
		WHERE j.on_hand <> s.on_hand OR j.reserved <> s.reserved`)
	check("reserved differs from active reservation lines", `SELECT s.sku_id::text, s.warehouse_id::text, s.reserved, coalesce(a.held, 0)::bigint
		FROM stock s LEFT JOIN (
			SELECT l.sku_id, l.warehouse_id, sum(l.quantity) AS held FROM reservation_lines l
			JOIN reservations r ON r.id = l.reservation_id WHERE r.status = 'active' GROUP BY 1, 2
		) a USING (sku_id, warehouse_id)
		WHERE s.reserved <> coalesce(a.held, 0)`)
	return errors.Join(errs...)
}

func (f *fixture) mustHoldInvariants(t testing.TB) {
	t.Helper()
	if err := f.invariants(); err != nil {
		t.Fatal(err)
	}
}

// wantKind fails unless err is an apperr error of kind k.
func wantKind(t testing.TB, err error, k apperr.Kind) {
	t.Helper()
	if apperr.KindOf(err) != k {
		t.Fatalf("error = %v (%v), want %v", err, apperr.KindOf(err), k)
	}
}

func line(sku uuid.UUID, q int64) domain.OrderLine { return domain.OrderLine{SKUID: sku, Quantity: q} }

// noDeadlocks closes the fixture's pool and checks that PostgreSQL detected
// no deadlock in the database. Transactions that deadlock are retried by
// pg.InTx, so the outcome alone would not show one; the server's count does.
// Backends publish their statistics when they exit, hence the close and the
// short wait.
func (f *fixture) noDeadlocks(t testing.TB) {
	t.Helper()
	f.pool.Close()
	for range 10 {
		var n int64
		if err := f.base.QueryRow(ctx, "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("PostgreSQL detected %d deadlocks", n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
