package grpcapi_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	dockingv1 "github.com/crossdock/crossdock/gen/crossdock/docking/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/server/grpcerr"
	"github.com/crossdock/crossdock/pkg/testkit"
)

// restPartner is a valid REST marketplace registration with credentials.
func restPartner(code string) *dockingv1.CreatePartnerRequest {
	return &dockingv1.CreatePartnerRequest{
		Name: "DH " + code, Code: code, Protocol: dockingv1.PartnerProtocol_PARTNER_PROTOCOL_REST_MARKETPLACE,
		Endpoint: "https://api.dh.example/v2", Locales: []string{"en-us"}, QualityCheckRequired: true, CommissionBps: 1200,
		Credentials: &dockingv1.PartnerCredentials{AppKey: "dh-app-key-0001", AppSecret: "dh-very-secret-value-7f3a"},
	}
}

// Nobody but an admin manages partners: not buyers, not suppliers, not a
// partner's own signed client.
func TestRegistryIsForAdminsOnly(t *testing.T) {
	f := newFixture(t)
	p := f.startPartner(t, "dh", nil)
	reg := f.register(t, p)
	signed := dockingv1.NewDockingServiceClient(f.asPartner(t, p.clientID, p.key))
	for name, call := range map[string]func() error{
		"buyer creates": func() error {
			c, ctx := f.docking(t, buyer)
			_, err := c.CreatePartner(ctx, restPartner("other"))
			return err
		},
		"supplier lists": func() error {
			c, ctx := f.docking(t, supplier)
			_, err := c.ListPartners(ctx, &dockingv1.ListPartnersRequest{})
			return err
		},
		"buyer verifies": func() error {
			c, ctx := f.docking(t, buyer)
			_, err := c.VerifyPartner(ctx, &dockingv1.VerifyPartnerRequest{PartnerId: reg.GetPartnerId()})
			return err
		},
		"partner reads itself through the admin API": func() error {
			_, err := signed.GetPartner(context.Background(), &dockingv1.GetPartnerRequest{PartnerId: reg.GetPartnerId()})
			return err
		},
		"partner suspends itself": func() error {
			_, err := signed.SuspendPartner(context.Background(), &dockingv1.SuspendPartnerRequest{PartnerId: reg.GetPartnerId()})
			return err
		},
	} {
		t.Run(name, func(t *testing.T) { wantError(t, call(), apperr.KindPermissionDenied, "ADMINS_ONLY") })
	}
	unchanged(t, reg, f.get(t, reg.GetPartnerId()))
}

// Bad input names every bad field and stores nothing.
func TestCreatePartnerViolations(t *testing.T) {
	f := newFixture(t)
	client, ctx := f.docking(t, admin)
	tests := []struct {
		name   string
		change func(*dockingv1.CreatePartnerRequest)
		fields []string
	}{
		{"empty", func(r *dockingv1.CreatePartnerRequest) { proto.Reset(r) },
			[]string{"code", "endpoint", "locales", "name", "protocol"}},
		{"bad code and name", func(r *dockingv1.CreatePartnerRequest) { r.Code, r.Name = "DH Platform!", strings.Repeat("n", 121) },
			[]string{"code", "name"}},
		{"REST without credentials", func(r *dockingv1.CreatePartnerRequest) { r.Credentials = nil },
			[]string{"credentials.app_key", "credentials.app_secret"}},
		{"REST endpoint not a URL", func(r *dockingv1.CreatePartnerRequest) { r.Endpoint = "api.dh.example:443" },
			[]string{"endpoint"}},
		// The fixture's installation does not allow plaintext partners.
		{"REST endpoint in plaintext", func(r *dockingv1.CreatePartnerRequest) { r.Endpoint = "http://api.dh.example/v2" },
			[]string{"endpoint"}},
		{"standard protocol with credentials and no client", func(r *dockingv1.CreatePartnerRequest) {
			r.Protocol, r.Endpoint = dockingv1.PartnerProtocol_PARTNER_PROTOCOL_STANDARD_GRPC, "partner.example:443"
		}, []string{"api_client_id", "credentials"}},
		{"standard protocol endpoint not host:port", func(r *dockingv1.CreatePartnerRequest) {
			r.Protocol, r.Endpoint, r.ApiClientId, r.Credentials = dockingv1.PartnerProtocol_PARTNER_PROTOCOL_STANDARD_GRPC, "https://partner.example", "pc-1", nil
		}, []string{"endpoint"}},
		{"locales", func(r *dockingv1.CreatePartnerRequest) { r.Locales = []string{"en-US", "not a locale", "EN-us"} },
			[]string{"locales[1]", "locales[2]"}},
		{"terms", func(r *dockingv1.CreatePartnerRequest) {
			r.CommissionBps, r.Fees = 10001, &dockingv1.FeeTerms{FixedPerOrder: money("EURO", -1)}
		}, []string{"commission_bps", "fees.fixed_per_order.amount_minor", "fees.fixed_per_order.currency_code"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := restPartner("dh")
			tt.change(req)
			_, err := client.CreatePartner(ctx, req)
			if got := testkit.Fields(t, grpcerr.FromError(err)); !slices.Equal(got, tt.fields) {
				t.Errorf("fields = %v, want %v (%v)", got, tt.fields, err)
			}
		})
	}
	if n := count(t, f, `SELECT count(*) FROM partners`); n != 0 {
		t.Errorf("%d partners stored from bad input", n)
	}
}

// An edit cannot move a REST partner to plaintext where the installation
// reaches partners over TLS only.
func TestUpdateToPlaintextRefused(t *testing.T) {
	f := newFixture(t)
	client, ctx := f.docking(t, admin)
	created, err := client.CreatePartner(ctx, restPartner("dh"))
	if err != nil {
		t.Fatal(err)
	}
	id := created.GetPartner().GetPartnerId()
	_, err = client.UpdatePartner(ctx, &dockingv1.UpdatePartnerRequest{PartnerId: id, Endpoint: proto.String("http://api.dh.example/v2")})
	if got := testkit.Fields(t, grpcerr.FromError(err)); !slices.Equal(got, []string{"endpoint"}) {
		t.Errorf("fields = %v, want [endpoint] (%v)", got, err)
	}
	unchanged(t, created.GetPartner(), f.get(t, id))
}

// The code is the idempotency key of a registration: the same code again
// is ALREADY_EXISTS, and the first registration stands.
func TestDuplicateCode(t *testing.T) {
	f := newFixture(t)
	client, ctx := f.docking(t, admin)
	first, err := client.CreatePartner(ctx, restPartner("dh"))
	if err != nil {
		t.Fatal(err)
	}
	again := restPartner("dh")
	again.Name = "Someone else"
	_, err = client.CreatePartner(ctx, again)
	wantError(t, err, apperr.KindAlreadyExists, "PARTNER_CODE_TAKEN")
	unchanged(t, first.GetPartner(), f.get(t, first.GetPartner().GetPartnerId()))
	if n := count(t, f, `SELECT count(*) FROM partners`); n != 1 {
		t.Errorf("%d partners, want 1", n)
	}
}

// Credentials go in and never come out: no answer carries them, and the
// database holds them only sealed (under the partner's id).
func TestCredentialsAreWriteOnlyAndSealed(t *testing.T) {
	f := newFixture(t)
	client, ctx := f.docking(t, admin)
	req := restPartner("dh")
	secret, key := req.Credentials.AppSecret, req.Credentials.AppKey
	created, err := client.CreatePartner(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	id := created.GetPartner().GetPartnerId()
	newSecret := "rotated-secret-value-9c2e"
	updated, err := client.UpdatePartner(ctx, &dockingv1.UpdatePartnerRequest{PartnerId: id,
		Credentials: &dockingv1.PartnerCredentials{AppKey: key, AppSecret: newSecret}})
	if err != nil {
		t.Fatal(err)
	}
	list, err := client.ListPartners(ctx, &dockingv1.ListPartnersRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []proto.Message{created, updated, list, f.get(t, id)} {
		text := protojson.Format(m)
		for _, s := range []string{secret, newSecret, key} {
			if strings.Contains(text, s) {
				t.Errorf("answer %T carries a credential: %s", m, text)
			}
		}
	}
	if !updated.GetPartner().GetHasCredentials() || len(list.GetPartners()) != 1 || !list.GetPartners()[0].GetHasCredentials() {
		t.Error("has_credentials is false")
	}

	var kid string
	var sealed []byte
	if err := f.pool.QueryRow(context.Background(), `SELECT credentials_kid, credentials_sealed FROM partners WHERE partner_id = $1`, id).
		Scan(&kid, &sealed); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{secret, newSecret, key} {
		if bytes.Contains(sealed, []byte(s)) {
			t.Errorf("credential %q in clear in the database", s)
		}
	}
	if kid != "test" || len(sealed) < 28 {
		t.Errorf("kid %q, %d sealed bytes", kid, len(sealed))
	}
	// The store opens them for the connectors.
	p, err := f.store.GetPartnerByAPIClient(context.Background(), "nobody")
	if !apperr.IsKind(err, apperr.KindNotFound) {
		t.Fatalf("unknown client: %v, %v", p, err)
	}
	all, err := f.store.ListPartners(context.Background())
	if err != nil || len(all) != 1 || all[0].Credentials.AppSecret != newSecret {
		t.Fatalf("stored credentials do not open: %v", err)
	}
	// A sealed value moved to another row does not open there.
	twin := restPartner("dh-twin")
	twin.Credentials.AppSecret = "another-secret-value-0000"
	if _, err := client.CreatePartner(ctx, twin); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pool.Exec(context.Background(), `UPDATE partners SET credentials_sealed = $1, credentials_kid = $2 WHERE code = 'dh-twin'`, sealed, kid); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.ListPartners(context.Background()); err == nil {
		t.Error("credentials sealed for one partner opened for another")
	}
}

// Editing the endpoint or the credentials clears the verification; other
// edits keep it.
func TestEditsResetVerification(t *testing.T) {
	f := newFixture(t)
	p := f.startPartner(t, "dh", nil)
	reg := f.verified(t, p)
	client, ctx := f.docking(t, admin)
	id := reg.GetPartnerId()

	terms, err := client.UpdatePartner(ctx, &dockingv1.UpdatePartnerRequest{PartnerId: id, Locales: []string{"fr-FR"},
		CommissionBps: proto.Int32(500), QualityCheckRequired: proto.Bool(true), Name: proto.String("DH")})
	if err != nil {
		t.Fatal(err)
	}
	if got := terms.GetPartner(); got.GetStatus() != dockingv1.PartnerStatus_PARTNER_STATUS_VERIFIED || got.GetVerifiedAt() == nil ||
		got.GetCommissionBps() != 500 || !slices.Equal(got.GetLocales(), []string{"fr-FR"}) || got.GetName() != "DH" {
		t.Fatalf("after editing terms: %v", got)
	}
	same, err := client.UpdatePartner(ctx, &dockingv1.UpdatePartnerRequest{PartnerId: id, Endpoint: proto.String(p.endpoint)})
	if err != nil || same.GetPartner().GetStatus() != dockingv1.PartnerStatus_PARTNER_STATUS_VERIFIED {
		t.Fatalf("the same endpoint again: %v, %v", same, err)
	}
	moved, err := client.UpdatePartner(ctx, &dockingv1.UpdatePartnerRequest{PartnerId: id, Endpoint: proto.String("127.0.0.1:1")})
	if err != nil {
		t.Fatal(err)
	}
	if got := moved.GetPartner(); got.GetStatus() != dockingv1.PartnerStatus_PARTNER_STATUS_UNVERIFIED || got.GetVerifiedAt() != nil {
		t.Fatalf("after moving the endpoint: %v", got)
	}
	// The standard protocol has no credentials to edit.
	_, err = client.UpdatePartner(ctx, &dockingv1.UpdatePartnerRequest{PartnerId: id,
		Credentials: &dockingv1.PartnerCredentials{AppKey: "k", AppSecret: "s"}})
	wantError(t, err, apperr.KindInvalid, "")

	// A REST partner's new credentials clear its verification too; it has
	// no handshake yet, so the row is marked verified by hand.
	rest, err := client.CreatePartner(ctx, restPartner("rest"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.pool.Exec(context.Background(), `UPDATE partners SET status = 'verified', verified_at = now() WHERE code = 'rest'`); err != nil {
		t.Fatal(err)
	}
	rotated, err := client.UpdatePartner(ctx, &dockingv1.UpdatePartnerRequest{PartnerId: rest.GetPartner().GetPartnerId(),
		Credentials: &dockingv1.PartnerCredentials{AppKey: "k2", AppSecret: "s2"}})
	if err != nil || rotated.GetPartner().GetStatus() != dockingv1.PartnerStatus_PARTNER_STATUS_UNVERIFIED {
		t.Fatalf("after new credentials: %v, %v", rotated, err)
	}
}

// A partner's API client belongs to one registration.
func TestAPIClientBelongsToOnePartner(t *testing.T) {
	f := newFixture(t)
	p := f.startPartner(t, "dh", nil)
	f.register(t, p)
	client, ctx := f.docking(t, admin)
	_, err := client.CreatePartner(ctx, &dockingv1.CreatePartnerRequest{Name: "Twin", Code: "twin",
		Protocol: dockingv1.PartnerProtocol_PARTNER_PROTOCOL_STANDARD_GRPC, Endpoint: p.endpoint, ApiClientId: p.clientID,
		Locales: []string{"en"}})
	wantError(t, err, apperr.KindAlreadyExists, "API_CLIENT_TAKEN")
}

func count(t *testing.T, f *fixture, sql string) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
