package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/kek"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/users/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/users/internal/app"
	"github.com/crossdock/crossdock/services/users/internal/argon2id"
	"github.com/crossdock/crossdock/services/users/internal/domain"
	"github.com/crossdock/crossdock/services/users/migrations"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var ctx = context.Background()

// fastHashing keeps tests quick; the benchmark uses the production parameters.
var fastHashing = argon2id.Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

const password = "correct horse battery staple"

type fixture struct {
	svc   *app.Service
	pool  *pgxpool.Pool
	clock *testkit.Clock
	keys  *kek.Ring // seals the signing keys
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	pool := testkit.Database(t, testkit.Migrations{Name: "users", FS: migrations.FS})
	cfg := app.DefaultConfig()
	cfg.Password = fastHashing
	c := testkit.NewClock(time.Now())
	keys := testKeys(t, kek.Generate("test"))
	svc, err := app.New(postgres.New(pool, keys), cfg, app.WithClock(c.Now))
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, pool: pool, clock: c, keys: keys}
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

// rowCounts counts every table a command could write.
func (f *fixture) rowCounts(t testing.TB) map[string]int {
	out := map[string]int{}
	for _, table := range []string{"users", "organizations", "addresses", "merchant_tiers", "api_clients", "refresh_tokens", "outbox"} {
		out[table] = f.count(t, table)
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

// caller is what the gRPC edge puts in the context after verifying a token
// issued to u.
func caller(u domain.User) auth.Caller {
	c := auth.Caller{Subject: u.ID.String(), Kind: auth.KindUser}
	for _, r := range u.Roles {
		c.Roles = append(c.Roles, string(r))
	}
	if u.OrganizationID != uuid.Nil {
		c.OrganizationID, c.OrganizationRole = u.OrganizationID.String(), string(u.OrganizationRole)
	}
	return c
}

func (f *fixture) signUp(t testing.TB, email string, role domain.Role) (domain.User, *domain.Organization) {
	t.Helper()
	u, org, err := f.svc.SignUp(ctx, app.SignUpInput{
		AccountInput: domain.AccountInput{Email: email, Password: password, DisplayName: "Person"},
		Role:         role, OrganizationName: "Org of " + email,
	})
	if err != nil {
		t.Fatalf("SignUp(%s): %v", email, err)
	}
	return u, org
}

func (f *fixture) admin(t testing.TB) auth.Caller {
	t.Helper()
	if _, err := f.svc.BootstrapAdmin(ctx, "root@crossdock.example", "an admin passphrase"); err != nil {
		t.Fatal(err)
	}
	var id uuid.UUID
	if err := f.pool.QueryRow(ctx, "SELECT id FROM users WHERE email = 'root@crossdock.example'").Scan(&id); err != nil {
		t.Fatal(err)
	}
	return auth.Caller{Subject: id.String(), Kind: auth.KindUser, Roles: []string{auth.RoleAdmin}}
}

// wantKind fails unless err is an apperr error of kind k.
func wantKind(t testing.TB, err error, k apperr.Kind) {
	t.Helper()
	if apperr.KindOf(err) != k {
		t.Fatalf("error = %v (%v), want %v", err, apperr.KindOf(err), k)
	}
}

// wantReason fails unless err is an apperr error with reason.
func wantReason(t testing.TB, err error, reason string) {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || e.Reason != reason {
		t.Fatalf("error = %v, want reason %s", err, reason)
	}
}

func address() domain.Address {
	return domain.Address{Recipient: "Ann Lee", Phone: "+4915112345678", CountryCode: "DE", RegionCode: "DE-BE",
		City: "Berlin", Postcode: "10117", Lines: []string{"Unter den Linden 1"}}
}

func storeOf(f *fixture) app.Store { return postgres.New(f.pool, f.keys) }

// testKeys parses a key-encryption key configuration.
func testKeys(t testing.TB, spec string) *kek.Ring {
	t.Helper()
	r, err := kek.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
