package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/kek"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/logistics/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
	"github.com/crossdock/crossdock/services/logistics/migrations"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var ctx = context.Background()

func carrier(code string) domain.Carrier {
	now := time.Now().UTC().Truncate(time.Microsecond)
	return domain.Carrier{ID: uuid.New(), Code: code, Name: "Carrier " + code, Active: true, CreatedAt: now, UpdatedAt: now,
		Endpoints: []domain.Endpoint{
			{Environment: "sandbox", APIURL: "https://sandbox." + code + ".test", APIKey: "sk_sandbox_" + code, WebhookSecret: "whsec_sandbox_" + code + "_0123456789"},
			{Environment: "production", APIURL: "https://api." + code + ".test", APIKey: "sk_live_" + code, WebhookSecret: "whsec_live_" + code + "_0123456789"},
		}}
}

// secretsOf are the credentials a carrier's row must not hold in clear.
func secretsOf(c domain.Carrier) []string {
	var out []string
	for _, e := range c.Endpoints {
		out = append(out, e.APIKey, e.WebhookSecret)
		if e.PreviousWebhookSecret != "" {
			out = append(out, e.PreviousWebhookSecret)
		}
	}
	return out
}

type row struct {
	endpoints, sealed []byte
	kid               *string
}

func readRow(t *testing.T, pool *pgxpool.Pool, id uuid.UUID) row {
	t.Helper()
	var r row
	if err := pool.QueryRow(ctx, `SELECT endpoints, credentials_kid, credentials_sealed FROM carriers WHERE carrier_id = $1`, id).
		Scan(&r.endpoints, &r.kid, &r.sealed); err != nil {
		t.Fatal(err)
	}
	return r
}

// requireSealed fails when the row holds any of the carrier's credentials in
// clear or is not sealed under kid.
func requireSealed(t *testing.T, pool *pgxpool.Pool, c domain.Carrier, kid string) {
	t.Helper()
	r := readRow(t, pool, c.ID)
	if r.kid == nil || *r.kid != kid || len(r.sealed) < kek.Overhead {
		t.Fatalf("carrier %s: kid %v, %d sealed bytes; want sealed under %q", c.Code, r.kid, len(r.sealed), kid)
	}
	for _, s := range secretsOf(c) {
		if bytes.Contains(r.endpoints, []byte(s)) || bytes.Contains(r.sealed, []byte(s)) {
			t.Errorf("carrier %s: credential %q in clear in the database", c.Code, s)
		}
	}
}

func requireCarrier(t *testing.T, s *postgres.Store, want domain.Carrier) {
	t.Helper()
	got, err := s.GetCarrier(ctx, want.ID)
	if err != nil {
		t.Fatalf("GetCarrier(%s): %v", want.Code, err)
	}
	if len(got.Endpoints) != len(want.Endpoints) {
		t.Fatalf("carrier %s: endpoints %+v, want %+v", want.Code, got.Endpoints, want.Endpoints)
	}
	for i := range want.Endpoints {
		if got.Endpoints[i] != want.Endpoints[i] {
			t.Errorf("carrier %s endpoint %d = %+v, want %+v", want.Code, i, got.Endpoints[i], want.Endpoints[i])
		}
	}
}

// TestCarriersCredentialsAreSealedAtRest: what is written holds no
// credential in clear, reads back whole, and a sealed value moved to
// another carrier's row does not open there.
func TestCarriersCredentialsAreSealedAtRest(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "logistics", FS: migrations.FS})
	store := postgres.New(pool, kek.MustParse(kek.Generate("k1")))
	a, b := carrier("alpha"), carrier("beta")
	for _, c := range []domain.Carrier{a, b} {
		if err := store.CreateCarrier(ctx, c); err != nil {
			t.Fatal(err)
		}
		requireSealed(t, pool, c, "k1")
		requireCarrier(t, store, c)
	}
	// An update seals again (a fresh nonce) and keeps the rest readable,
	// a replaced webhook secret and its overlap included.
	a.Endpoints[0].APIKey = "sk_sandbox_alpha_rotated"
	a.Endpoints[0].PreviousWebhookSecret = a.Endpoints[0].WebhookSecret
	a.Endpoints[0].PreviousSecretUntil = a.UpdatedAt.Add(domain.WebhookSecretOverlap)
	a.Endpoints[0].WebhookSecret = "whsec_sandbox_alpha_rotated_0123"
	if err := store.SaveCarrier(ctx, a); err != nil {
		t.Fatal(err)
	}
	requireSealed(t, pool, a, "k1")
	requireCarrier(t, store, a)
	if list, err := store.ListCarriers(ctx); err != nil || len(list) != 2 {
		t.Fatalf("ListCarriers = %d carriers, %v", len(list), err)
	}

	ra := readRow(t, pool, a.ID)
	if _, err := pool.Exec(ctx, `UPDATE carriers SET credentials_kid = $2, credentials_sealed = $3 WHERE carrier_id = $1`,
		b.ID, ra.kid, ra.sealed); err != nil {
		t.Fatal(err)
	}
	if got, err := store.GetCarrier(ctx, b.ID); err == nil {
		t.Fatalf("alpha's sealed credentials opened on beta's row: %+v", got.Endpoints)
	}
	if _, err := pool.Exec(ctx, `UPDATE carriers SET credentials_kid = 'k1', credentials_sealed = NULL WHERE carrier_id = $1`, b.ID); err == nil {
		t.Fatal("a key id without a sealed value was stored")
	}
}

// TestSealCarrierCredentials: rows written in clear (before credentials
// were sealed) and rows sealed under an older key are sealed under the
// primary key, once; a row under a key no longer configured stops the run
// and changes nothing.
func TestSealCarrierCredentials(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "logistics", FS: migrations.FS})
	k1, k2 := kek.Generate("k1"), kek.Generate("k2")
	old := postgres.New(pool, kek.MustParse(k1))

	// A carrier as rows were written before: credentials in endpoints.
	legacy := carrier("legacy")
	if _, err := pool.Exec(ctx, `INSERT INTO carriers (carrier_id, code, name, endpoints, active, created_at, updated_at)
		VALUES ($1, $2, $3, $4, true, $5, $5)`, legacy.ID, legacy.Code, legacy.Name,
		`[{"Environment": "sandbox", "APIURL": "https://sandbox.legacy.test", "APIKey": "sk_sandbox_legacy", "WebhookSecret": "whsec_sandbox_legacy_0123456789"},
		  {"Environment": "production", "APIURL": "https://api.legacy.test", "APIKey": "sk_live_legacy", "WebhookSecret": "whsec_live_legacy_0123456789"}]`,
		legacy.CreatedAt); err != nil {
		t.Fatal(err)
	}
	requireCarrier(t, old, legacy) // read in clear until sealed
	under1 := carrier("under-k1")
	if err := old.CreateCarrier(ctx, under1); err != nil {
		t.Fatal(err)
	}
	if n, err := old.SealCarrierCredentials(ctx); err != nil || n != 1 {
		t.Fatalf("sealing with k1 = %d, %v; want the clear row only", n, err)
	}
	requireSealed(t, pool, legacy, "k1")
	requireCarrier(t, old, legacy)

	// A rotation: k2 seals, k1 still opens.
	rotating := postgres.New(pool, kek.MustParse(k2+","+k1))
	if n, err := rotating.SealCarrierCredentials(ctx); err != nil || n != 2 {
		t.Fatalf("sealing with k2 = %d, %v; want both carriers", n, err)
	}
	if n, err := rotating.SealCarrierCredentials(ctx); err != nil || n != 0 {
		t.Fatalf("sealing again = %d, %v; want nothing left", n, err)
	}
	onlyK2 := postgres.New(pool, kek.MustParse(k2))
	for _, c := range []domain.Carrier{legacy, under1} {
		requireSealed(t, pool, c, "k2")
		requireCarrier(t, onlyK2, c)
	}
	if _, err := old.GetCarrier(ctx, legacy.ID); !errors.Is(err, kek.ErrUnknownKey) {
		t.Fatalf("k1 alone opened a row sealed under k2: %v", err)
	}

	// k2 dropped too early: the run fails and leaves the rows as they were.
	before := readRow(t, pool, legacy.ID)
	if n, err := postgres.New(pool, kek.MustParse(kek.Generate("k3"))).SealCarrierCredentials(ctx); !errors.Is(err, kek.ErrUnknownKey) || n != 0 {
		t.Fatalf("sealing without k2 = %d, %v; want ErrUnknownKey", n, err)
	}
	if after := readRow(t, pool, legacy.ID); *after.kid != "k2" || !bytes.Equal(after.sealed, before.sealed) {
		t.Fatalf("a failed run changed the row: kid %s", *after.kid)
	}
}
