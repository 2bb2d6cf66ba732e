package app_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/idempotency"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/users/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/users/internal/app"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

func TestAPIClientsAuthorizationAndKeys(t *testing.T) {
	f := newFixture(t)
	admin := f.admin(t)
	owner, org := f.signUp(t, "sup@example.com", domain.RoleSupplier)
	other, otherOrg := f.signUp(t, "sup2@example.com", domain.RoleSupplier)
	for _, o := range []uuid.UUID{org.ID, otherOrg.ID} {
		if _, err := f.svc.ApproveOrganization(ctx, admin, o); err != nil {
			t.Fatal(err)
		}
	}
	staff, err := f.svc.AddOrganizationMember(ctx, caller(owner), org.ID, domain.AccountInput{Email: "staff@example.com", Password: password, DisplayName: "S"})
	if err != nil {
		t.Fatal(err)
	}
	erp := domain.APIClientInput{Name: "SAP", Kind: domain.ClientERP, OrganizationID: org.ID}

	// Only the owner (or an admin) creates ERP clients, only for its own organization.
	_, _, err = f.svc.CreateAPIClient(ctx, caller(staff), erp, "")
	wantKind(t, err, apperr.KindPermissionDenied)
	_, _, err = f.svc.CreateAPIClient(ctx, caller(other), erp, "")
	wantKind(t, err, apperr.KindPermissionDenied)
	_, _, err = f.svc.CreateAPIClient(ctx, caller(owner), domain.APIClientInput{Name: "P", Kind: domain.ClientPartner}, "")
	wantKind(t, err, apperr.KindPermissionDenied)
	client, cred, err := f.svc.CreateAPIClient(ctx, caller(owner), erp, "")
	if err != nil {
		t.Fatal(err)
	}
	first, err := auth.ParseRequestPrivateKey(cred.PrivateKey)
	if err != nil || cred.Secret != "" {
		t.Fatalf("ERP client shown private key %q, secret %q: %v", cred.PrivateKey, cred.Secret, err)
	}
	if stored := storedPublicKey(t, f, client.ID); !stored.Equal(first.Public()) {
		t.Error("the stored key is not the client's public key")
	}
	partner, _, err := f.svc.CreateAPIClient(ctx, admin, domain.APIClientInput{Name: "DH", Kind: domain.ClientPartner}, "")
	if err != nil {
		t.Fatal(err)
	}

	// Each sees what it manages.
	if l, _ := f.svc.ListAPIClients(ctx, admin); len(l) != 2 {
		t.Errorf("admin sees %d clients", len(l))
	}
	if l, _ := f.svc.ListAPIClients(ctx, caller(owner)); len(l) != 1 || l[0].ID != client.ID {
		t.Errorf("owner sees %v", l)
	}
	for _, c := range []domain.User{other, staff} {
		if l, _ := f.svc.ListAPIClients(ctx, caller(c)); len(l) != 0 {
			t.Errorf("%s sees %v", c.Email, l)
		}
	}
	_, err = f.svc.DisableAPIClient(ctx, caller(other), client.ID)
	wantKind(t, err, apperr.KindNotFound)
	_, err = f.svc.DisableAPIClient(ctx, caller(owner), partner.ID)
	wantKind(t, err, apperr.KindNotFound)

	// Docking reads the keys with a service token; a rotation overlaps.
	svc := auth.Caller{Subject: "platform-docking", Kind: auth.KindService, Roles: []string{auth.RoleService}}
	_, _, err = f.svc.GetAPIClientKeys(ctx, caller(owner), client.ID)
	wantKind(t, err, apperr.KindPermissionDenied)
	_, newCred, err := f.svc.RotateAPIClientSecret(ctx, caller(owner), client.ID, overlap(time.Hour), "")
	if err != nil {
		t.Fatal(err)
	}
	second, err := auth.ParseRequestPrivateKey(newCred.PrivateKey)
	if err != nil {
		t.Fatalf("rotation showed private key %q: %v", newCred.PrivateKey, err)
	}
	_, keys, err := f.svc.GetAPIClientKeys(ctx, svc, client.ID)
	if err != nil || len(keys) != 2 || !second.Public().(ed25519.PublicKey).Equal(ed25519.PublicKey(keys[0].Key)) ||
		!first.Public().(ed25519.PublicKey).Equal(ed25519.PublicKey(keys[1].Key)) || keys[1].ExpiresAt.IsZero() {
		t.Fatalf("keys during overlap = %v, %v", keys, err)
	}
	f.clock.Advance(time.Hour + time.Second)
	if _, keys, _ := f.svc.GetAPIClientKeys(ctx, svc, client.ID); len(keys) != 1 {
		t.Errorf("keys after overlap = %d", len(keys))
	}
	if _, err := f.svc.DisableAPIClient(ctx, caller(owner), client.ID); err != nil {
		t.Fatal(err)
	}
	disabled, keys, err := f.svc.GetAPIClientKeys(ctx, svc, client.ID)
	if err != nil || !disabled.Disabled || len(keys) != 0 {
		t.Errorf("keys of a disabled client = %+v, %d keys, %v; want it marked disabled with none", disabled, len(keys), err)
	}
}

// storedPublicKey reads a signing client's row as a thief of the database
// would, checking that it holds a 32-byte public key and nothing else.
func storedPublicKey(t *testing.T, f *fixture, id string) ed25519.PublicKey {
	t.Helper()
	var pub, hash []byte
	var typ string
	err := f.pool.QueryRow(ctx, `SELECT public_key, secret_hash, pg_typeof(public_key)::text
		FROM api_clients WHERE client_id = $1`, id).Scan(&pub, &hash, &typ)
	if err != nil {
		t.Fatal(err)
	}
	if typ != "bytea" || len(pub) != ed25519.PublicKeySize || hash != nil {
		t.Fatalf("stored %s public_key of %d bytes, secret hash %x; want 32 bytes of public key only", typ, len(pub), hash)
	}
	var odd int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM api_client_retired_keys
		WHERE client_id = $1 AND (secret_hash IS NOT NULL OR length(public_key) <> 32)`, id).Scan(&odd); err != nil || odd != 0 {
		t.Fatalf("%d retired keys that are not 32 bytes of public key only (%v)", odd, err)
	}
	return pub
}

// The database holds public keys only: what it stores verifies a client's
// signatures and cannot make one, and it refuses to hold a private key.
func TestStoredSigningKeysCannotSign(t *testing.T) {
	f := newFixture(t)
	admin := f.admin(t)
	client, cred, err := f.svc.CreateAPIClient(ctx, admin, domain.APIClientInput{Name: "DH", Kind: domain.ClientPartner}, "")
	if err != nil {
		t.Fatal(err)
	}
	priv, err := auth.ParseRequestPrivateKey(cred.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	stored := storedPublicKey(t, f, client.ID)
	svc := auth.Caller{Subject: "platform-docking", Kind: auth.KindService, Roles: []string{auth.RoleService}}
	v := &auth.RequestVerifier{
		Keys: func(ctx context.Context, id string) (auth.APIClient, error) {
			_, keys, err := f.svc.GetAPIClientKeys(ctx, svc, id)
			out := auth.APIClient{Roles: []string{auth.RolePartner}}
			for _, k := range keys {
				out.Keys = append(out.Keys, ed25519.PublicKey(k.Key))
			}
			return out, err
		},
		Nonces: auth.NewMemoryNonceStore(),
	}
	now := time.Now()
	for _, tt := range []struct {
		name string
		key  ed25519.PrivateKey
		ok   bool
	}{
		{"the client's private key", priv, true},
		{"the stored bytes as a seed", ed25519.NewKeyFromSeed(stored), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			nonce := auth.NewNonce()
			sig := auth.SignRequest(tt.key, "/m", now, nonce, []byte("body"))
			_, err := v.Verify(ctx, client.ID, "/m", strconv.FormatInt(now.Unix(), 10), nonce, sig, []byte("body"))
			if (err == nil) != tt.ok {
				t.Fatalf("Verify = %v, want accepted %v", err, tt.ok)
			}
		})
	}
	// The column itself takes 32 bytes only: a 64-byte Ed25519 private key
	// (or a seed with anything appended) does not fit.
	if _, err := f.pool.Exec(ctx, `UPDATE api_clients SET public_key = $2 WHERE client_id = $1`, client.ID, []byte(priv)); err == nil {
		t.Fatal("the api_clients table stored a 64-byte private key as a public key")
	}
}

func TestAPIClientRegistersItsOwnPublicKey(t *testing.T) {
	f := newFixture(t)
	admin := f.admin(t)
	own, err := auth.GenerateRequestKey()
	if err != nil {
		t.Fatal(err)
	}
	pemKey, err := auth.EncodeRequestPublicKey(own.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name      string
		kind      domain.APIClientKind
		publicKey string
		field     string // the refused field, "" when accepted
	}{
		{"PEM", domain.ClientPartner, pemKey, ""},
		{"base64", domain.ClientPartner, base64.StdEncoding.EncodeToString(own.Public().(ed25519.PublicKey)), ""},
		{"malformed", domain.ClientPartner, "not-a-key", "public_key"},
		{"a private key", domain.ClientPartner, base64.StdEncoding.EncodeToString(own), "public_key"},
		{"for a service account", domain.ClientService, pemKey, "public_key"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, cred, err := f.svc.CreateAPIClient(ctx, admin, domain.APIClientInput{Name: "own key", Kind: tt.kind, PublicKey: tt.publicKey}, "")
			if tt.field != "" {
				wantKind(t, err, apperr.KindInvalid)
				if got := testkit.FieldsOf(err); !slices.Equal(got, []string{tt.field}) {
					t.Fatalf("fields = %v, want %s", got, tt.field)
				}
				return
			}
			if err != nil || cred != (app.Credential{}) {
				t.Fatalf("CreateAPIClient = %+v, %v; want no credential shown", cred, err)
			}
			if !storedPublicKey(t, f, c.ID).Equal(own.Public()) {
				t.Fatal("the registered public key was not stored")
			}
			// Rotation takes the client's next key the same way.
			next, _ := auth.GenerateRequestKey()
			nextB64 := base64.StdEncoding.EncodeToString(next.Public().(ed25519.PublicKey))
			if _, cred, err := f.svc.RotateAPIClientSecret(ctx, admin, c.ID, nil, nextB64); err != nil || cred != (app.Credential{}) {
				t.Fatalf("rotate to an own key = %+v, %v", cred, err)
			}
			if !storedPublicKey(t, f, c.ID).Equal(next.Public()) {
				t.Fatal("the rotated public key was not stored")
			}
		})
	}
}

// A rotation whose answer was lost is retried: the caller never saw the
// first new credential, and the client still authenticates with the one it
// had. That one keeps working for the overlap it was rotated out with, and
// every credential stops at the end of its own overlap.
func TestRotationRetriedAfterALostAnswer(t *testing.T) {
	f := newFixture(t)
	admin := f.admin(t)
	client, original, err := f.svc.CreateAPIClient(ctx, admin, domain.APIClientInput{Name: "reports", Kind: domain.ClientService}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.RotateAPIClientSecret(ctx, admin, client.ID, overlap(time.Hour), ""); err != nil { // the answer lost
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute)
	_, latest, err := f.svc.RotateAPIClientSecret(ctx, admin, client.ID, overlap(2*time.Hour), "")
	if err != nil {
		t.Fatal(err)
	}
	works := func(secret string) bool {
		_, _, err := f.svc.IssueServiceToken(ctx, client.ID, secret)
		return err == nil
	}
	if !works(original.Secret) || !works(latest.Secret) {
		t.Fatal("after the retried rotation the credential the client holds or the new one is refused")
	}
	f.clock.Advance(time.Hour) // the original's overlap (an hour from the first rotation) is over
	if works(original.Secret) || !works(latest.Secret) {
		t.Errorf("an hour on: original works %v, latest works %v; want false, true", works(original.Secret), works(latest.Secret))
	}

	// The same for a partner's keys, as the services that verify signed
	// requests read them: the current key, then each retired one with its
	// expiry, newest first.
	partner, first, err := f.svc.CreateAPIClient(ctx, admin, domain.APIClientInput{Name: "DH", Kind: domain.ClientPartner}, "")
	if err != nil {
		t.Fatal(err)
	}
	firstKey, _ := auth.ParseRequestPrivateKey(first.PrivateKey)
	var rotated []app.Credential
	for range 2 {
		f.clock.Advance(time.Minute)
		_, cred, err := f.svc.RotateAPIClientSecret(ctx, admin, partner.ID, overlap(time.Hour), "")
		if err != nil {
			t.Fatal(err)
		}
		rotated = append(rotated, cred)
	}
	svc := auth.Caller{Subject: "platform-docking", Kind: auth.KindService, Roles: []string{auth.RoleService}}
	_, keys, err := f.svc.GetAPIClientKeys(ctx, svc, partner.ID)
	if err != nil || len(keys) != 3 || !firstKey.Public().(ed25519.PublicKey).Equal(ed25519.PublicKey(keys[2].Key)) ||
		!keys[1].ExpiresAt.After(keys[2].ExpiresAt) || !keys[0].ExpiresAt.IsZero() {
		t.Fatalf("keys after two rotations = %v, %v", keys, err)
	}
	if latestKey, _ := auth.ParseRequestPrivateKey(rotated[1].PrivateKey); !storedPublicKey(t, f, partner.ID).Equal(latestKey.Public()) {
		t.Error("the current key is not the last rotation's")
	}
}

// An integrator that lost CreateApiClient's answer calls again with its
// key: no second client is made. A client that registered its own public
// key is answered again; one whose credential was generated (shown once,
// never stored) is named, to be rotated.
func TestCreateAPIClientOncePerKey(t *testing.T) {
	f := newFixture(t)
	admin := f.admin(t)
	own, _ := auth.GenerateRequestKey()
	registered := domain.APIClientInput{Name: "DH", Kind: domain.ClientPartner,
		PublicKey: base64.StdEncoding.EncodeToString(own.Public().(ed25519.PublicKey))}
	first, _, err := f.svc.CreateAPIClient(ctx, admin, registered, "partner-dh")
	if err != nil {
		t.Fatal(err)
	}
	again, cred, err := f.svc.CreateAPIClient(ctx, admin, registered, "partner-dh")
	if err != nil || again.ID != first.ID || cred != (app.Credential{}) {
		t.Fatalf("a retry of a registered key's creation = %s %+v, %v; want %s again", again.ID, cred, err, first.ID)
	}

	generated := domain.APIClientInput{Name: "reports", Kind: domain.ClientService}
	svc, shown, err := f.svc.CreateAPIClient(ctx, admin, generated, "svc-reports")
	if err != nil || shown.Secret == "" {
		t.Fatal(err)
	}
	_, _, err = f.svc.CreateAPIClient(ctx, admin, generated, "svc-reports")
	var e *apperr.Error
	if !errors.As(err, &e) || e.Kind != apperr.KindAlreadyExists || e.Reason != "API_CLIENT_CREATED" || e.Metadata["client_id"] != svc.ID {
		t.Fatalf("a retry of a generated credential's creation = %v, want ALREADY_EXISTS API_CLIENT_CREATED naming %s", err, svc.ID)
	}
	if _, _, err := f.svc.IssueServiceToken(ctx, svc.ID, shown.Secret); err != nil {
		t.Errorf("the first secret after the retry: %v", err)
	}
	other := generated
	other.Name = "reports, second"
	_, _, err = f.svc.CreateAPIClient(ctx, admin, other, "svc-reports")
	if !errors.Is(err, idempotency.ErrKeyReused) {
		t.Errorf("the key with another request = %v", err)
	}
	if n := f.count(t, "api_clients"); n != 2 {
		t.Errorf("%d clients, want 2", n)
	}
	// Keys are each caller's own.
	otherAdmin := admin
	otherAdmin.Subject = uuid.NewString()
	if c, _, err := f.svc.CreateAPIClient(ctx, otherAdmin, generated, "svc-reports"); err != nil || c.ID == svc.ID {
		t.Errorf("another admin's creation under the same key = %s, %v", c.ID, err)
	}
}

func TestServiceTokens(t *testing.T) {
	f := newFixture(t)
	admin := f.admin(t)
	clients, err := app.ParseServiceClients("orders:orders-secret-0123456789, finance:finance-secret-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // idempotent
		if err := f.svc.EnsureServiceClients(ctx, clients); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.count(t, "api_clients"); n != 2 {
		t.Fatalf("%d clients after bootstrap, want 2", n)
	}
	token, ttl, err := f.svc.IssueServiceToken(ctx, "orders", "orders-secret-0123456789")
	if err != nil || ttl != auth.AccessTokenTTL {
		t.Fatal(err)
	}
	set, _ := f.svc.JWKS(ctx)
	c, err := auth.NewVerifier(auth.StaticKeySource(set.Keys...)).Verify(ctx, token)
	if err != nil || c.Kind != auth.KindService || c.Subject != "orders" || !c.HasRole(auth.RoleService) {
		t.Errorf("service token = %+v, %v", c, err)
	}
	for _, tt := range []struct{ id, secret string }{
		{"orders", "wrong-secret-0123456789"},
		{"nobody", "orders-secret-0123456789"},
		{"finance", "orders-secret-0123456789"},
	} {
		if _, _, err := f.svc.IssueServiceToken(ctx, tt.id, tt.secret); !errors.Is(err, app.ErrBadClientCredentials) {
			t.Errorf("IssueServiceToken(%s) = %v", tt.id, err)
		}
	}
	// A changed secret in the configuration replaces the old one.
	changed, _ := app.ParseServiceClients("orders:a-brand-new-secret-42")
	if err := f.svc.EnsureServiceClients(ctx, changed); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.IssueServiceToken(ctx, "orders", "orders-secret-0123456789"); err == nil {
		t.Error("the replaced secret still works")
	}
	if _, _, err := f.svc.IssueServiceToken(ctx, "orders", "a-brand-new-secret-42"); err != nil {
		t.Error(err)
	}
	// The deployment's accounts are rotated in the deployment: through the
	// API the rotation would be undone at the next start. One an admin
	// created is rotated through the API.
	_, _, err = f.svc.RotateAPIClientSecret(ctx, admin, "orders", nil, "")
	wantReason(t, err, "SERVICE_CLIENT_CONFIGURED")
	if _, _, err := f.svc.IssueServiceToken(ctx, "orders", "a-brand-new-secret-42"); err != nil {
		t.Errorf("the configured secret after a refused rotation: %v", err)
	}
	reporting, _, err := f.svc.CreateAPIClient(ctx, admin, domain.APIClientInput{Name: "reporting", Kind: domain.ClientService}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.RotateAPIClientSecret(ctx, admin, reporting.ID, nil, ""); err != nil {
		t.Errorf("rotating an account an admin created: %v", err)
	}
	// A partner client's secret is no service credential, and its keys are
	// not served to anyone for a service client.
	p, cred, _ := f.svc.CreateAPIClient(ctx, admin, domain.APIClientInput{Name: "DH", Kind: domain.ClientPartner}, "")
	if _, _, err := f.svc.IssueServiceToken(ctx, p.ID, cred.PrivateKey); !errors.Is(err, app.ErrBadClientCredentials) {
		t.Errorf("partner key as service credential = %v", err)
	}
	_, _, err = f.svc.GetAPIClientKeys(ctx, c, "orders")
	wantKind(t, err, apperr.KindNotFound)

	for _, bad := range []string{"orders", "Orders:0123456789abcdef", "x:0123456789abcdef", "orders:short"} {
		if _, err := app.ParseServiceClients(bad); err == nil {
			t.Errorf("ParseServiceClients(%q) accepted", bad)
		}
	}
	// An entry missing its separator may be all secret: never echoed.
	if _, err := app.ParseServiceClients("finance:finance-secret-0123456789,orders=Sup3r-Secret-Value-123"); err == nil ||
		strings.Contains(err.Error(), "Sup3r") {
		t.Errorf("an entry without its separator: %v; want it refused without its text", err)
	}
}

func TestBootstrapAdminIsIdempotent(t *testing.T) {
	f := newFixture(t)
	created, err := f.svc.BootstrapAdmin(ctx, "root@example.com", "a long admin password")
	if err != nil || !created {
		t.Fatalf("first bootstrap = %v, %v", created, err)
	}
	created, err = f.svc.BootstrapAdmin(ctx, "root@example.com", "a long admin password")
	if err != nil || created {
		t.Fatalf("second bootstrap = %v, %v", created, err)
	}
	if _, err := f.svc.Login(ctx, "root@example.com", "a long admin password"); err != nil {
		t.Errorf("admin login = %v", err)
	}
	if _, err := f.svc.BootstrapAdmin(ctx, "root@example.com", "short"); err == nil {
		t.Error("a weak bootstrap password was accepted")
	}
	// With an admin present, another e-mail creates nothing.
	if created, err := f.svc.BootstrapAdmin(ctx, "other@example.com", "a long admin password"); err != nil || created {
		t.Errorf("bootstrap with an admin present = %v, %v", created, err)
	}
	// An existing non-admin account is never promoted.
	g := newFixture(t)
	g.signUp(t, "root@example.com", domain.RoleBuyer)
	if _, err := g.svc.BootstrapAdmin(ctx, "root@example.com", "a long admin password"); err == nil {
		t.Error("a buyer's e-mail was accepted as the bootstrap admin")
	}
}

// overlap is a rotation's overlap, given.
func overlap(d time.Duration) *time.Duration { return &d }

// A supplier owner's change of its ERP client needs one connection of the
// pool at a time. Before, the owner was read inside the client's
// transaction, on a second connection: a pool of one hung for ever, and
// enough such calls at once held every connection of a pool of ten, each
// waiting for another, stalling the service's logins and key lookups too.
func TestAnOwnersClientChangeNeedsOneConnectionAtATime(t *testing.T) {
	f := newFixture(t)
	admin := f.admin(t)
	owner, org := f.signUp(t, "sup@example.com", domain.RoleSupplier)
	if _, err := f.svc.ApproveOrganization(ctx, admin, org.ID); err != nil {
		t.Fatal(err)
	}
	client, _, err := f.svc.CreateAPIClient(ctx, caller(owner), domain.APIClientInput{Name: "SAP", Kind: domain.ClientERP, OrganizationID: org.ID}, "")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := pgxpool.ParseConfig(f.pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 1
	one, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(one.Close)
	appCfg := app.DefaultConfig()
	appCfg.Password = fastHashing
	svc, err := app.New(postgres.New(one, f.keys), appCfg)
	if err != nil {
		t.Fatal(err)
	}
	callCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, _, err := svc.RotateAPIClientSecret(callCtx, caller(owner), client.ID, nil, ""); err != nil {
		t.Fatalf("rotating on a pool of one connection: %v", err)
	}
	if got, err := svc.DisableAPIClient(callCtx, caller(owner), client.ID); err != nil || !got.Disabled {
		t.Fatalf("disabling on a pool of one connection: %+v, %v", got, err)
	}
}

// An organization has at most MaxERPClients ERP clients, disabled ones
// included, whoever creates them; a retry of a creation under its key is
// still answered at the limit, and other organizations are not counted.
// Before, an owner could create clients without end, and the clients'
// list, answered whole, outgrew what a response may carry.
func TestAnOrganizationHasAtMostTwentyERPClients(t *testing.T) {
	f := newFixture(t)
	admin := f.admin(t)
	owner, org := f.signUp(t, "sup@example.com", domain.RoleSupplier)
	other, otherOrg := f.signUp(t, "sup2@example.com", domain.RoleSupplier)
	for _, o := range []uuid.UUID{org.ID, otherOrg.ID} {
		if _, err := f.svc.ApproveOrganization(ctx, admin, o); err != nil {
			t.Fatal(err)
		}
	}
	erp := func(i int) domain.APIClientInput {
		pub, _, _ := ed25519.GenerateKey(nil)
		return domain.APIClientInput{Name: "ERP " + strconv.Itoa(i), Kind: domain.ClientERP, OrganizationID: org.ID,
			PublicKey: base64.StdEncoding.EncodeToString(pub)}
	}
	var last domain.APIClientInput
	for i := range domain.MaxERPClients {
		last = erp(i)
		c, _, err := f.svc.CreateAPIClient(ctx, caller(owner), last, "key-"+strconv.Itoa(i))
		if err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
		if i == 0 {
			if _, err := f.svc.DisableAPIClient(ctx, caller(owner), c.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, _, err := f.svc.CreateAPIClient(ctx, caller(owner), erp(99), "")
	wantReason(t, err, "API_CLIENT_LIMIT")
	_, _, err = f.svc.CreateAPIClient(ctx, admin, erp(100), "")
	wantReason(t, err, "API_CLIENT_LIMIT")
	if _, _, err := f.svc.CreateAPIClient(ctx, caller(owner), last, "key-"+strconv.Itoa(domain.MaxERPClients-1)); err != nil {
		t.Errorf("a retry of the last creation at the limit: %v", err)
	}
	if l, _ := f.svc.ListAPIClients(ctx, caller(owner)); len(l) != domain.MaxERPClients {
		t.Errorf("the owner lists %d clients, want %d", len(l), domain.MaxERPClients)
	}
	mine := erp(0)
	mine.OrganizationID = otherOrg.ID
	if _, _, err := f.svc.CreateAPIClient(ctx, caller(other), mine, ""); err != nil {
		t.Errorf("another organization's first client: %v", err)
	}
}
