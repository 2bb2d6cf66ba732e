package postgres

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
	"github.com/crossdock/crossdock/services/orders/migrations"
)

// A merchant member's list of the merchant's requests, and an operator's
// of one order's, read the requests by order through an index: with
// sequential scans priced out, neither plan reads the whole table.
func TestRequestsByOrderAreReadThroughAnIndex(t *testing.T) {
	ctx := context.Background()
	conn := planConn(t)
	if _, err := conn.Exec(ctx, `SET enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]app.AfterSaleFilter{
		"a merchant's": {MerchantOrgID: uuid.New()},
		"an order's":   {OrderID: uuid.New()},
	} {
		var plan []string
		r := repo{q: explaining{conn.Conn(), &plan}}
		if _, err := r.ListAfterSales(ctx, f, nil, 20); err != nil {
			t.Fatal(err)
		}
		if text := strings.Join(plan, "\n"); !strings.Contains(text, "after_sales") || strings.Contains(text, "Seq Scan on after_sales") {
			t.Errorf("%s requests read the whole table:\n%s", name, text)
		}
	}
}

// planConn is a connection to a fresh orders database, for the plan tests
// (each may set its own planner settings on it).
func planConn(t *testing.T) *pgxpool.Conn {
	t.Helper()
	pool := testkit.Database(t, testkit.Migrations{Name: "orders", FS: migrations.FS})
	conn, err := pool.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Release)
	return conn
}

// explaining is a connection that, before running a query, adds its plan
// to plan.
type explaining struct {
	*pgx.Conn
	plan *[]string
}

func (e explaining) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	rows, err := e.Conn.Query(ctx, "EXPLAIN "+sql, args...)
	if err != nil {
		return nil, err
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	*e.plan = append(*e.plan, lines...)
	return e.Conn.Query(ctx, sql, args...)
}

// A supplier's sub-orders in one status are read through the index by
// supplier and status, not the supplier's whole history filtered row by
// row.
func TestASuppliersSubOrdersInAStatusAreReadByStatus(t *testing.T) {
	ctx := context.Background()
	conn := planConn(t)
	// A supplier with thousands of completed sub-orders and a few to ship.
	supplier, order := uuid.New(), uuid.New()
	if _, err := conn.Exec(ctx, `INSERT INTO orders (id, buyer_id, checkout_id, status, currency, total_minor, placed_at, updated_at)
		VALUES ($1, 'buyer', 'checkout', 'paid', 'USD', 0, now(), now())`, order); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO sub_orders (id, order_id, position, supplier_id, type, status, currency, goods_minor, freight_minor,
			buyer_minor, paid_at, updated_at)
		SELECT gen_random_uuid(), $1, g, $2, 'physical', CASE WHEN g % 1000 = 0 THEN 'paid' ELSE 'completed' END, 'USD', 0, 0, 0,
			now() - g * interval '1 minute', now()
		FROM generate_series(1, 5000) g`, order, supplier); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `ANALYZE sub_orders`); err != nil {
		t.Fatal(err)
	}
	var plan []string
	r := repo{q: explaining{conn.Conn(), &plan}}
	if _, err := r.ListSupplierSubOrders(ctx, supplier, []domain.Status{domain.Paid}, nil, 20); err != nil {
		t.Fatal(err)
	}
	if text := strings.Join(plan, "\n"); !strings.Contains(text, "sub_orders_supplier_status") {
		t.Errorf("a supplier's sub-orders in one status are not read by status:\n%s", text)
	}
}
