package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/app"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/domain"
	"github.com/crossdock/crossdock/services/freight-estimator/migrations"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var ctx = context.Background()

// t0 is the tests' "now".
var t0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

var (
	admin = auth.Caller{Subject: "admin-1", Kind: auth.KindUser, Roles: []string{auth.RoleAdmin}}
	buyer = auth.Caller{Subject: "buyer-1", Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}}
	// routeR is the route most tests estimate on; routeR2 shares its origin.
	routeR  = domain.Route{OriginCountry: "CN", OriginRegion: "CN-GD", DestinationCountry: "US", DestinationRegion: "US-CA"}
	routeR2 = domain.Route{OriginCountry: "CN", OriginRegion: "CN-GD", DestinationCountry: "DE", DestinationRegion: "DE-BY"}
)

type fixture struct {
	svc   *app.Service
	store *postgres.Store
	pool  *pgxpool.Pool
	clock *testkit.Clock
	base  string
	seq   int
}

func newFixture(t testing.TB, base string, opts ...app.Option) *fixture {
	t.Helper()
	pool := testkit.Database(t, testkit.Migrations{Name: "freight", FS: migrations.FS})
	c := testkit.NewClock(t0)
	store := postgres.New(pool)
	svc, err := app.New(store, base, append([]app.Option{app.WithClock(c.Now)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.EnsureDefaults(ctx); err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, store: store, pool: pool, clock: c, base: base}
}

// rec is a history record in the base currency: its value is the goods price
// and its transaction amount the value plus freight (which may be negative).
type rec struct {
	route        domain.Route
	vol, wt, val int64
	freight      int64
	age          time.Duration
	id           string // generated when empty
}

func (f *fixture) input(r rec) domain.ShipmentInput {
	if r.id == "" {
		f.seq++
		r.id = fmt.Sprintf("s-%d", f.seq)
	}
	if r.route.IsZero() {
		r.route = routeR
	}
	if r.age == 0 {
		r.age = 24 * time.Hour
	}
	return domain.ShipmentInput{
		ShipmentID: r.id, Route: r.route, VolumeCM3: r.vol, WeightG: r.wt,
		DeclaredValue:     money.MustNew(r.val, f.base),
		TransactionAmount: money.MustNew(r.val+r.freight, f.base),
		GoodsPrice:        money.MustNew(r.val, f.base),
		CompletedAt:       f.clock.Now().Add(-r.age),
	}
}

func (f *fixture) importRecs(t testing.TB, recs ...rec) app.ImportResult {
	t.Helper()
	in := make([]domain.ShipmentInput, 0, len(recs))
	for _, r := range recs {
		in = append(in, f.input(r))
	}
	res, err := f.svc.ImportShipments(ctx, admin, in)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// parcel is a parcel in the base currency.
type parcel struct{ vol, wt, val int64 }

func (f *fixture) estimate(t testing.TB, route domain.Route, p parcel) app.EstimateResult {
	t.Helper()
	res, err := f.svc.Estimate(ctx, buyer, app.EstimateRequest{
		Route:  route,
		Parcel: &domain.ParcelInput{VolumeCM3: p.vol, WeightG: p.wt, DeclaredValue: money.MustNew(p.val, f.base)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// count returns the number of rows of a table.
func (f *fixture) count(t testing.TB, table string) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
