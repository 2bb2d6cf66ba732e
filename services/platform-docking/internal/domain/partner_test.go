package domain_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func standard() domain.Partner {
	p, err := domain.NewPartner(uuid.New(), domain.Partner{Name: "DH", Code: "dh", Protocol: domain.ProtocolStandardGRPC,
		Endpoint: "partner.example:443", APIClientID: "pc-dh", Locales: []string{"en-us"}}, t0)
	if err != nil {
		panic(err)
	}
	return p
}

func TestNewPartnerNormalizes(t *testing.T) {
	p := standard()
	if p.Status != domain.StatusUnverified || p.VerifiedAt != nil || !slices.Equal(p.Locales, []string{"en-US"}) {
		t.Errorf("new partner = %+v", p)
	}
}

func TestValidateNamesFields(t *testing.T) {
	tests := []struct {
		name   string
		change func(*domain.Partner)
		fields []string
	}{
		{"valid", func(*domain.Partner) {}, nil},
		{"code", func(p *domain.Partner) { p.Code = "DH Platform!" }, []string{"code"}},
		{"code too short", func(p *domain.Partner) { p.Code = "d" }, []string{"code"}},
		{"name with a control character", func(p *domain.Partner) { p.Name = "a\x00b" }, []string{"name"}},
		{"blank name", func(p *domain.Partner) { p.Name = "   " }, []string{"name"}},
		{"REST needs credentials", func(p *domain.Partner) {
			p.Protocol, p.Endpoint, p.APIClientID = domain.ProtocolRESTMarketplace, "https://api.example", ""
		}, []string{"credentials.app_key", "credentials.app_secret"}},
		{"REST with credentials", func(p *domain.Partner) {
			p.Protocol, p.Endpoint, p.Credentials = domain.ProtocolRESTMarketplace, "https://api.example", domain.Credentials{AppKey: "k", AppSecret: "s"}
		}, nil},
		{"fees", func(p *domain.Partner) { p.Fees = domain.Fees{Currency: "XXXX", FixedPerOrder: -5} },
			[]string{"fees.fixed_per_order.amount_minor", "fees.fixed_per_order.currency_code"}},
		{"no locale", func(p *domain.Partner) { p.Locales = nil }, []string{"locales"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := standard()
			tt.change(&p)
			if got := testkit.Fields(t, p.Validate()); !slices.Equal(got, tt.fields) {
				t.Errorf("fields = %v, want %v", got, tt.fields)
			}
		})
	}
}

// TestValidateTransport: a REST partner's endpoint must be https unless the
// installation allows plaintext; a standard one is host:port either way.
func TestValidateTransport(t *testing.T) {
	rest := func(endpoint string) domain.Partner {
		return domain.Partner{Protocol: domain.ProtocolRESTMarketplace, Endpoint: endpoint}
	}
	tests := []struct {
		name      string
		p         domain.Partner
		plaintext bool
		fields    []string
	}{
		{"https", rest("https://api.example/v2"), false, nil},
		{"http", rest("http://api.example/v2"), false, []string{"endpoint"}},
		{"http where plaintext is allowed", rest("http://api-sim:9303"), true, nil},
		{"https where plaintext is allowed", rest("https://api.example"), true, nil},
		{"standard", standard(), false, nil},
		{"standard where plaintext is allowed", standard(), true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := testkit.Fields(t, tt.p.ValidateTransport(tt.plaintext)); !slices.Equal(got, tt.fields) {
				t.Errorf("fields = %v, want %v", got, tt.fields)
			}
		})
	}
}

// The life cycle: verified by a handshake, suspended and resumed by
// operators, sent back to unverified by edits that invalidate the proof.
func TestLifeCycle(t *testing.T) {
	endpoint, locales := "elsewhere.example:443", []string{"fr-FR"}
	tests := []struct {
		name     string
		steps    func(p *domain.Partner) error
		want     domain.Status
		verified bool
		err      error
	}{
		{"verify", func(p *domain.Partner) error { return p.MarkVerified(t0) }, domain.StatusVerified, true, nil},
		{"suspend a verified partner", func(p *domain.Partner) error {
			_ = p.MarkVerified(t0)
			p.Suspend(t0)
			return nil
		}, domain.StatusSuspended, true, nil},
		{"a suspended partner is not verified", func(p *domain.Partner) error {
			p.Suspend(t0)
			return p.MarkVerified(t0)
		}, domain.StatusSuspended, false, domain.ErrSuspended},
		{"resume restores the verification", func(p *domain.Partner) error {
			_ = p.MarkVerified(t0)
			p.Suspend(t0)
			p.Resume(t0)
			return nil
		}, domain.StatusVerified, true, nil},
		{"an edit while suspended resumes unverified", func(p *domain.Partner) error {
			_ = p.MarkVerified(t0)
			p.Suspend(t0)
			if err := p.Apply(domain.Update{Endpoint: &endpoint}, t0); err != nil {
				return err
			}
			p.Resume(t0)
			return nil
		}, domain.StatusUnverified, false, nil},
		{"a new endpoint clears the verification", func(p *domain.Partner) error {
			_ = p.MarkVerified(t0)
			return p.Apply(domain.Update{Endpoint: &endpoint}, t0)
		}, domain.StatusUnverified, false, nil},
		{"new locales keep it", func(p *domain.Partner) error {
			_ = p.MarkVerified(t0)
			return p.Apply(domain.Update{Locales: locales}, t0)
		}, domain.StatusVerified, true, nil},
		{"a bad edit changes nothing", func(p *domain.Partner) error {
			_ = p.MarkVerified(t0)
			bad := "not an endpoint"
			return p.Apply(domain.Update{Endpoint: &bad}, t0)
		}, domain.StatusVerified, true, apperr.Invalid()},
		{"resume an active partner", func(p *domain.Partner) error {
			p.Resume(t0)
			return nil
		}, domain.StatusUnverified, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := standard()
			err := tt.steps(&p)
			if tt.err == nil && err != nil || tt.err != nil && apperr.KindOf(err) != apperr.KindOf(tt.err) {
				t.Fatalf("error = %v, want %v", err, tt.err)
			}
			if p.Status != tt.want || (p.VerifiedAt != nil) != tt.verified {
				t.Errorf("status %s verified_at %v, want %s %v", p.Status, p.VerifiedAt, tt.want, tt.verified)
			}
		})
	}
}

func TestCanDock(t *testing.T) {
	p := standard()
	if !apperr.IsKind(p.CanDock(), apperr.KindFailedPrecondition) {
		t.Error("an unverified partner docks")
	}
	_ = p.MarkVerified(t0)
	if p.CanDock() != nil {
		t.Error("a verified partner does not dock")
	}
	p.Suspend(t0)
	if !apperr.IsKind(p.CanDock(), apperr.KindPermissionDenied) {
		t.Error("a suspended partner docks")
	}
}

// Credentials print as nothing however they are printed.
func TestCredentialsDoNotPrint(t *testing.T) {
	c := domain.Credentials{AppKey: "key-123", AppSecret: "secret-456"}
	p := standard()
	p.Credentials = c
	for _, s := range []string{fmtV(c), fmtV(p), fmtGo(p)} {
		if contains(s, "secret-456") || contains(s, "key-123") {
			t.Errorf("printed: %s", s)
		}
	}
}
