package postgres

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/migrations"
)

// A merchant member's list of the merchant's requests, and an operator's
// of one order's, read the requests by order through an index: with
// sequential scans priced out, neither plan reads the whole table.
func TestRequestsByOrderAreReadThroughAnIndex(t *testing.T) {
	ctx := context.Background()
	pool := testkit.Database(t, testkit.Migrations{Name: "orders", FS: migrations.FS})
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
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
