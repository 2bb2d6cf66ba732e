package postgres_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/kek"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/users/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/users/internal/app"
	"github.com/crossdock/crossdock/services/users/internal/domain"
	"github.com/crossdock/crossdock/services/users/migrations"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var ctx = context.Background()

func newStore(t *testing.T) (*postgres.Store, *pgxpool.Pool) {
	t.Helper()
	pool := testkit.Database(t, testkit.Migrations{Name: "users", FS: migrations.FS})
	keys, err := kek.Parse(kek.Generate("test"))
	if err != nil {
		t.Fatal(err)
	}
	return postgres.New(pool, keys), pool
}

func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

func newUser(t *testing.T, s *postgres.Store, email string) domain.User {
	t.Helper()
	u := domain.NewUser(domain.ValidAccount{Email: email, DisplayName: "U"}, "$argon2id$x", []domain.Role{domain.RoleBuyer}, now())
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestUsers(t *testing.T) {
	s, _ := newStore(t)
	u := newUser(t, s, "ann@example.com")
	got, err := s.GetUserByEmail(ctx, "ann@example.com")
	if err != nil || got.ID != u.ID || got.OrganizationID != uuid.Nil || len(got.Roles) != 1 || got.Roles[0] != domain.RoleBuyer {
		t.Fatalf("GetUserByEmail = %+v, %v", got, err)
	}
	dup := domain.NewUser(domain.ValidAccount{Email: "ann@example.com", DisplayName: "Other"}, "h", nil, now())
	err = s.CreateUser(ctx, dup)
	var e *apperr.Error
	if !errors.As(err, &e) || e.Kind != apperr.KindAlreadyExists || len(e.Violations) != 1 || e.Violations[0].Field != "email" {
		t.Errorf("duplicate e-mail = %v, want AlreadyExists on field email", err)
	}
	if _, err := s.GetUser(ctx, uuid.New()); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Errorf("missing user = %v, want NotFound", err)
	}

	org, _ := domain.NewOrganization("Acme", domain.KindSupplier, now())
	if err := s.CreateOrganization(ctx, org); err != nil {
		t.Fatal(err)
	}
	u.JoinOrganization(org, domain.MemberOwner)
	if err := s.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	got, _ = s.GetUser(ctx, u.ID)
	if got.OrganizationID != org.ID || got.OrganizationRole != domain.MemberOwner || !got.HasRole(domain.RoleSupplier) {
		t.Errorf("membership not stored: %+v", got)
	}
	// The database allows one owner per organization.
	other := newUser(t, s, "bob@example.com")
	other.JoinOrganization(org, domain.MemberOwner)
	if err := s.UpdateUser(ctx, other); !pg.IsUniqueViolation(err, "users_one_owner") {
		t.Errorf("second owner = %v, want users_one_owner violation", err)
	}
}

func TestOneDefaultAddressIsEnforcedByTheDatabase(t *testing.T) {
	s, _ := newStore(t)
	u := newUser(t, s, "ann@example.com")
	mk := func(isDefault bool) domain.UserAddress {
		return domain.UserAddress{ID: uuid.New(), UserID: u.ID, IsDefault: isDefault, CreatedAt: now(), UpdatedAt: now(),
			Address: domain.Address{Recipient: "Ann", Phone: "+4915112345678", CountryCode: "DE", RegionCode: "DE-BY",
				City: "München", Lines: []string{"Marienplatz 1"}, Location: &domain.GeoPoint{Latitude: 48.1, Longitude: 11.5}}}
	}
	a, b := mk(true), mk(false)
	for _, x := range []domain.UserAddress{a, b} {
		if err := s.CreateAddress(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateAddress(ctx, mk(true)); !pg.IsUniqueViolation(err, "addresses_one_default") {
		t.Fatalf("second default = %v, want addresses_one_default violation", err)
	}
	if err := s.SetDefaultAddress(ctx, u.ID, b.ID, now()); err != nil {
		t.Fatal(err)
	}
	list, err := s.ListAddresses(ctx, u.ID)
	if err != nil || len(list) != 2 || list[0].ID != b.ID || !list[0].IsDefault || list[1].IsDefault {
		t.Fatalf("after SetDefaultAddress: %+v, %v", list, err)
	}
	if list[1].Address.Location == nil || list[1].Address.Location.Latitude != 48.1 {
		t.Errorf("location not stored: %+v", list[1].Address)
	}
	stranger := newUser(t, s, "eve@example.com")
	if _, err := s.GetAddress(ctx, stranger.ID, a.ID); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Errorf("another user's address = %v, want NotFound", err)
	}
	if err := s.SetDefaultAddress(ctx, stranger.ID, a.ID, now()); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Errorf("default on another user's address = %v, want NotFound", err)
	}
}

func TestOrganizationsPageByStatus(t *testing.T) {
	s, _ := newStore(t)
	base := now()
	var approved []uuid.UUID
	for i := range 5 {
		o, _ := domain.NewOrganization("Org", domain.KindMerchant, base.Add(time.Duration(i)*time.Second))
		if i%2 == 0 {
			_ = o.Approve(uuid.New(), base)
			approved = append(approved, o.ID)
		}
		if err := s.CreateOrganization(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	page1, err := s.ListOrganizations(ctx, app.OrganizationQuery{Status: domain.StatusApproved, Limit: 2})
	if err != nil || len(page1) != 2 || page1[0].ID != approved[0] || page1[1].ID != approved[1] {
		t.Fatalf("page 1 = %v, %v", page1, err)
	}
	last := page1[1]
	page2, err := s.ListOrganizations(ctx, app.OrganizationQuery{Status: domain.StatusApproved, Limit: 2,
		After: &app.OrganizationCursor{CreatedAt: last.CreatedAt, ID: last.ID}})
	if err != nil || len(page2) != 1 || page2[0].ID != approved[2] {
		t.Fatalf("page 2 = %v, %v", page2, err)
	}
	all, _ := s.ListOrganizations(ctx, app.OrganizationQuery{Limit: 10})
	if len(all) != 5 {
		t.Errorf("all = %d, want 5", len(all))
	}
}

func TestMerchantTiersAreUniqueByCodeAndRank(t *testing.T) {
	s, _ := newStore(t)
	if err := s.CreateMerchantTier(ctx, domain.MerchantTier{Code: "gold", Name: "Gold", Rank: 3}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateMerchantTier(ctx, domain.MerchantTier{Code: "gold", Name: "G", Rank: 4}); !errors.Is(err, domain.ErrTierCodeTaken) {
		t.Errorf("duplicate code = %v", err)
	}
	if err := s.CreateMerchantTier(ctx, domain.MerchantTier{Code: "silver", Name: "S", Rank: 3}); !errors.Is(err, domain.ErrTierRankTaken) {
		t.Errorf("duplicate rank = %v", err)
	}
}

func TestRefreshTokensAndFamilies(t *testing.T) {
	s, _ := newStore(t)
	u := newUser(t, s, "ann@example.com")
	family := uuid.New()
	h1, h2 := make([]byte, 32), make([]byte, 32)
	h1[0], h2[0] = 1, 2
	for _, h := range [][]byte{h1, h2} {
		if err := s.CreateRefreshToken(ctx, domain.RefreshToken{Hash: h, FamilyID: family, UserID: u.ID, IssuedAt: now(), ExpiresAt: now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	err := s.InTx(ctx, func(r app.Repository) error {
		tok, err := r.GetRefreshTokenForUpdate(ctx, h1)
		if err != nil || tok.Spent() {
			t.Errorf("fresh token = %+v, %v", tok, err)
		}
		if err := r.MarkRefreshTokenUsed(ctx, h1, now(), "192.0.2.1"); err != nil {
			return err
		}
		if revoked, err := r.RevokeRefreshFamily(ctx, family, now()); err != nil || !revoked {
			t.Errorf("revoking a live family: %v, %v", revoked, err)
		}
		if again, err := r.RevokeRefreshFamily(ctx, family, now()); err != nil || again {
			t.Errorf("revoking it again: %v, %v; want nothing left to revoke", again, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.InTx(ctx, func(r app.Repository) error {
		for _, h := range [][]byte{h1, h2} {
			if tok, err := r.GetRefreshTokenForUpdate(ctx, h); err != nil || tok.RevokedAt.IsZero() {
				t.Errorf("token %x after family revocation = %+v, %v", h[0], tok, err)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestSigningKeys(t *testing.T) {
	s, _ := newStore(t)
	old := domain.SigningKey{ID: "old", Private: make([]byte, 64), CreatedAt: now().Add(-time.Hour), ActivatesAt: now().Add(-time.Hour)}
	next := domain.SigningKey{ID: "next", Private: make([]byte, 64), CreatedAt: now(), ActivatesAt: now().Add(time.Minute)}
	for _, k := range []domain.SigningKey{old, next} {
		if err := s.CreateSigningKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := s.SigningKeys(ctx)
	if err != nil || len(keys) != 2 || keys[0].ID != "next" || keys[1].ID != "old" || len(keys[1].Private) != 64 {
		t.Fatalf("SigningKeys = %+v, %v", keys, err)
	}
	if err := s.DeleteSigningKeys(ctx, []string{"old"}); err != nil {
		t.Fatal(err)
	}
	if keys, _ := s.SigningKeys(ctx); len(keys) != 1 {
		t.Errorf("after delete: %d keys", len(keys))
	}
}

func TestEventsCommitWithTheTransaction(t *testing.T) {
	s, pool := newStore(t)
	if err := s.Emit(ctx, "users.x.y", wrapperspb.String("x")); err == nil {
		t.Error("Emit outside a transaction succeeded")
	}
	boom := errors.New("boom")
	if err := s.InTx(ctx, func(r app.Repository) error {
		if err := r.Emit(ctx, "users.x.rolled_back", wrapperspb.String("x")); err != nil {
			t.Fatal(err)
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("a transaction whose function failed = %v, want its error", err)
	}
	if err := s.InTx(ctx, func(r app.Repository) error { return r.Emit(ctx, "users.x.committed", wrapperspb.String("x")) }); err != nil {
		t.Fatal(err)
	}
	rows, err := pool.Query(ctx, `SELECT subject FROM outbox ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	subjects, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if len(subjects) != 1 || subjects[0] != "users.x.committed" {
		t.Errorf("outbox = %v, want only the committed event", subjects)
	}
}

// sealedRows returns each signing key's kek_id ("" for clear) and stored bytes.
func sealedRows(t *testing.T, pool *pgxpool.Pool) map[string]struct {
	kekID  string
	stored []byte
} {
	t.Helper()
	rows, err := pool.Query(ctx, `SELECT kid, coalesce(kek_id, ''), private_key_sealed FROM signing_keys`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]struct {
		kekID  string
		stored []byte
	}{}
	for rows.Next() {
		var kid, kekID string
		var stored []byte
		if err := rows.Scan(&kid, &kekID, &stored); err != nil {
			t.Fatal(err)
		}
		out[kid] = struct {
			kekID  string
			stored []byte
		}{kekID, stored}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func reseal(t *testing.T, s *postgres.Store) (int, error) {
	t.Helper()
	var n int
	err := s.InTx(ctx, func(r app.Repository) error {
		if err := r.LockSigningKeys(ctx); err != nil {
			return err
		}
		var err error
		n, err = r.ResealSigningKeys(ctx)
		return err
	})
	return n, err
}

// Signing keys are sealed at rest; a rotation of the key-encryption key
// reads the old rows and seals them again under the new key, and a key
// taken out of the configuration too early is a clear error.
func TestSigningKeysSealedAtRestAndKEKRotation(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "users", FS: migrations.FS})
	k1, k2 := kek.Generate("k1"), kek.Generate("k2")
	first := postgres.New(pool, kek.MustParse(k1))
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	key := domain.SigningKey{ID: "sk-1", Private: priv, CreatedAt: now(), ActivatesAt: now()}
	if err := first.CreateSigningKey(ctx, key); err != nil {
		t.Fatal(err)
	}
	row := sealedRows(t, pool)["sk-1"]
	if row.kekID != "k1" || len(row.stored) != ed25519.PrivateKeySize+kek.Overhead ||
		bytes.Contains(row.stored, priv.Seed()) || bytes.Contains(row.stored, priv) {
		t.Fatalf("stored row: kek %q, %d bytes; want the key sealed under k1", row.kekID, len(row.stored))
	}
	// A key stored in clear by an older version is read, then sealed.
	_, legacy, _ := ed25519.GenerateKey(nil)
	if _, err := pool.Exec(ctx, `INSERT INTO signing_keys (kid, private_key_sealed, created_at, activates_at)
		VALUES ('sk-legacy', $1, now() - interval '1 hour', now() - interval '1 hour')`, []byte(legacy)); err != nil {
		t.Fatal(err)
	}

	rotated := postgres.New(pool, kek.MustParse(k2+","+k1))
	want := map[string]ed25519.PrivateKey{"sk-1": priv, "sk-legacy": legacy}
	check := func(name string, s *postgres.Store) {
		t.Helper()
		keys, err := s.SigningKeys(ctx)
		if err != nil || len(keys) != 2 {
			t.Fatalf("%s: SigningKeys = %d keys, %v", name, len(keys), err)
		}
		for _, k := range keys {
			if !k.Private.Equal(want[k.ID]) {
				t.Fatalf("%s: key %s does not open to what was stored", name, k.ID)
			}
		}
	}
	check("before resealing", rotated)
	if n, err := reseal(t, rotated); err != nil || n != 2 {
		t.Fatalf("reseal = %d, %v; want both rows", n, err)
	}
	for kid, r := range sealedRows(t, pool) {
		if r.kekID != "k2" || len(r.stored) != ed25519.PrivateKeySize+kek.Overhead {
			t.Fatalf("after reseal, %s: kek %q, %d bytes; want sealed under k2", kid, r.kekID, len(r.stored))
		}
	}
	check("after resealing", rotated)
	if n, err := reseal(t, rotated); err != nil || n != 0 {
		t.Fatalf("second reseal = %d, %v; want nothing to do", n, err)
	}
	// k2 alone opens everything now; k1 alone opens nothing.
	check("k2 only", postgres.New(pool, kek.MustParse(k2)))
	_, err = postgres.New(pool, kek.MustParse(k1)).SigningKeys(ctx)
	if !errors.Is(err, kek.ErrUnknownKey) || !strings.Contains(err.Error(), `"k2"`) || !strings.Contains(err.Error(), "SIGNING_KEY_ENCRYPTION_KEY") {
		t.Fatalf("rows under a missing key: %v; want an error naming k2 and SIGNING_KEY_ENCRYPTION_KEY", err)
	}
	if _, err := postgres.New(pool, nil).SigningKeys(ctx); err == nil || !strings.Contains(err.Error(), "SIGNING_KEY_ENCRYPTION_KEY is required") {
		t.Fatalf("store without keys: %v", err)
	}

	// A sealed value moved onto another key id does not open.
	if _, err := pool.Exec(ctx, `UPDATE signing_keys SET private_key_sealed =
		(SELECT private_key_sealed FROM signing_keys WHERE kid = 'sk-1') WHERE kid = 'sk-legacy'`); err != nil {
		t.Fatal(err)
	}
	if _, err := rotated.SigningKeys(ctx); err == nil {
		t.Fatal("a sealed key copied to another row opened")
	}
	// And the table refuses a clear key that claims to be sealed.
	if _, err := pool.Exec(ctx, `UPDATE signing_keys SET private_key_sealed = $1 WHERE kid = 'sk-1'`, []byte(priv)); err == nil {
		t.Fatal("the table took a 64-byte clear key under a kek_id")
	}
}
