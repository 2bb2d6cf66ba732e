package app_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
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
	_, _, err = f.svc.CreateAPIClient(ctx, caller(staff), erp)
	wantKind(t, err, apperr.KindPermissionDenied)
	_, _, err = f.svc.CreateAPIClient(ctx, caller(other), erp)
	wantKind(t, err, apperr.KindPermissionDenied)
	_, _, err = f.svc.CreateAPIClient(ctx, caller(owner), domain.APIClientInput{Name: "P", Kind: domain.ClientPartner})
	wantKind(t, err, apperr.KindPermissionDenied)
	client, secret, err := f.svc.CreateAPIClient(ctx, caller(owner), erp)
	if err != nil {
		t.Fatal(err)
	}
	var stored []byte
	if err := f.pool.QueryRow(ctx, "SELECT key FROM api_clients WHERE client_id = $1", client.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if string(stored) != string(auth.DeriveSigningKey(secret)) || string(stored) == secret {
		t.Error("the stored key is not the derived key")
	}
	partner, _, err := f.svc.CreateAPIClient(ctx, admin, domain.APIClientInput{Name: "DH", Kind: domain.ClientPartner})
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
	_, newSecret, err := f.svc.RotateAPIClientSecret(ctx, caller(owner), client.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	_, keys, err := f.svc.GetAPIClientKeys(ctx, svc, client.ID)
	if err != nil || len(keys) != 2 || string(keys[0].Key) != string(auth.DeriveSigningKey(newSecret)) ||
		string(keys[1].Key) != string(auth.DeriveSigningKey(secret)) || keys[1].ExpiresAt.IsZero() {
		t.Fatalf("keys during overlap = %v, %v", keys, err)
	}
	f.clock.advance(time.Hour + time.Second)
	if _, keys, _ := f.svc.GetAPIClientKeys(ctx, svc, client.ID); len(keys) != 1 {
		t.Errorf("keys after overlap = %d", len(keys))
	}
	if _, err := f.svc.DisableAPIClient(ctx, caller(owner), client.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = f.svc.GetAPIClientKeys(ctx, svc, client.ID)
	if !errors.Is(err, domain.ErrClientDisabled) {
		t.Errorf("keys of a disabled client = %v", err)
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
	// A partner client's secret is no service credential, and its keys are
	// not served to anyone for a service client.
	p, secret, _ := f.svc.CreateAPIClient(ctx, admin, domain.APIClientInput{Name: "DH", Kind: domain.ClientPartner})
	if _, _, err := f.svc.IssueServiceToken(ctx, p.ID, secret); !errors.Is(err, app.ErrBadClientCredentials) {
		t.Errorf("partner secret as service credential = %v", err)
	}
	_, _, err = f.svc.GetAPIClientKeys(ctx, c, "orders")
	wantKind(t, err, apperr.KindNotFound)

	for _, bad := range []string{"orders", "Orders:0123456789abcdef", "x:0123456789abcdef", "orders:short"} {
		if _, err := app.ParseServiceClients(bad); err == nil {
			t.Errorf("ParseServiceClients(%q) accepted", bad)
		}
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
