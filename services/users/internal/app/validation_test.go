package app_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/users/internal/app"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

// Bad input is refused with InvalidArgument naming every bad field, and
// writes nothing at all.
func TestBadInputChangesNothing(t *testing.T) {
	f := newFixture(t)
	u, _ := f.signUp(t, "ann@example.com", domain.RoleBuyer)
	me := caller(u)
	admin := f.admin(t)
	if _, err := f.svc.CreateAddress(ctx, me, address(), false, ""); err != nil {
		t.Fatal(err)
	}
	signUp := func(email, pw, name string, role domain.Role, org string) func() error {
		return func() error {
			_, _, err := f.svc.SignUp(ctx, app.SignUpInput{AccountInput: domain.AccountInput{Email: email, Password: pw, DisplayName: name}, Role: role, OrganizationName: org})
			return err
		}
	}
	addr := func(change func(*domain.Address)) func() error {
		return func() error {
			a := address()
			change(&a)
			_, err := f.svc.CreateAddress(ctx, me, a, false, "")
			return err
		}
	}
	tests := []struct {
		name   string
		run    func() error
		fields []string
	}{
		{"malformed e-mail", signUp("ann(at)example.com", password, "Ann", domain.RoleBuyer, ""), []string{"email"}},
		{"display-name e-mail", signUp("Ann <new@example.com>", password, "Ann", domain.RoleBuyer, ""), []string{"email"}},
		{"short password", signUp("new@example.com", "short", "Ann", domain.RoleBuyer, ""), []string{"password"}},
		{"password contains local part", signUp("johnsmith@example.com", "xx-JohnSmith-2024", "John", domain.RoleBuyer, ""), []string{"password"}},
		{"one-character password", signUp("new@example.com", strings.Repeat("a", 16), "Ann", domain.RoleBuyer, ""), []string{"password"}},
		{"missing display name", signUp("new@example.com", password, "", domain.RoleBuyer, ""), []string{"display_name"}},
		{"missing account type", signUp("new@example.com", password, "Ann", "", ""), []string{"account_type"}},
		{"supplier without organization name", signUp("new@example.com", password, "Ann", domain.RoleSupplier, " "), []string{"organization_name"}},
		{"everything missing", signUp("", "", "", domain.RoleMerchant, ""), []string{"display_name", "email", "organization_name", "password"}},
		{"unknown country", addr(func(a *domain.Address) { a.CountryCode = "QQ" }), []string{"address.country_code"}},
		{"region not in country", addr(func(a *domain.Address) { a.RegionCode = "FR-IDF" }), []string{"address.region_code"}},
		{"bad phone", addr(func(a *domain.Address) { a.Phone = "12345" }), []string{"address.phone"}},
		{"missing recipient, city and lines", addr(func(a *domain.Address) { a.Recipient, a.City, a.Lines = "", "", nil }),
			[]string{"address.city", "address.lines", "address.recipient"}},
		{"bad tier", func() error { _, err := f.svc.CreateMerchantTier(ctx, admin, "GOLD", "", 0); return err },
			[]string{"tier.code", "tier.name", "tier.rank"}},
		{"bad operator role", func() error {
			_, err := f.svc.CreateOperator(ctx, admin, domain.AccountInput{Email: "op@example.com", Password: password, DisplayName: "Op"}, domain.RoleBuyer)
			return err
		}, []string{"role"}},
		{"ERP client without organization", func() error {
			_, _, err := f.svc.CreateAPIClient(ctx, admin, domain.APIClientInput{Name: "ERP", Kind: domain.ClientERP}, "")
			return err
		}, []string{"organization_id"}},
		{"malformed public key", func() error {
			_, _, err := f.svc.CreateAPIClient(ctx, admin, domain.APIClientInput{Name: "P", Kind: domain.ClientPartner, PublicKey: "AAAA"}, "")
			return err
		}, []string{"public_key"}},
		{"public key for a service account", func() error {
			_, _, err := f.svc.CreateAPIClient(ctx, admin, domain.APIClientInput{Name: "S", Kind: domain.ClientService, PublicKey: "AAAA"}, "")
			return err
		}, []string{"public_key"}},
		{"bad address update", func() error {
			a, err := f.svc.ListAddresses(ctx, me, "")
			if err != nil || len(a) == 0 {
				t.Fatal("no address to update")
			}
			bad := address()
			bad.Phone = "nope"
			_, err = f.svc.UpdateAddress(ctx, me, a[0].ID, bad)
			return err
		}, []string{"address.phone"}},
		{"blank display name update", func() error { _, err := f.svc.UpdateMe(ctx, me, "   "); return err }, []string{"display_name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.rowCounts(t)
			err := tt.run()
			wantKind(t, err, apperr.KindInvalid)
			if got := testkit.FieldsOf(err); !slices.Equal(got, tt.fields) {
				t.Errorf("fields = %v, want %v", got, tt.fields)
			}
			if after := f.rowCounts(t); !maps.Equal(before, after) {
				t.Errorf("rows changed: before %v, after %v", before, after)
			}
		})
	}
}

func TestDuplicateEmailIsAlreadyExistsOnEmail(t *testing.T) {
	f := newFixture(t)
	f.signUp(t, "ann@example.com", domain.RoleBuyer)
	before := f.rowCounts(t)
	_, _, err := f.svc.SignUp(ctx, app.SignUpInput{
		AccountInput: domain.AccountInput{Email: " ANN@example.com", Password: password, DisplayName: "Ann 2"},
		Role:         domain.RoleSupplier, OrganizationName: "Acme",
	})
	wantKind(t, err, apperr.KindAlreadyExists)
	if got := testkit.FieldsOf(err); !slices.Equal(got, []string{"email"}) {
		t.Errorf("fields = %v", got)
	}
	// The organization created before the account rolled back with it.
	if after := f.rowCounts(t); !maps.Equal(before, after) {
		t.Errorf("rows changed: before %v, after %v", before, after)
	}
}
