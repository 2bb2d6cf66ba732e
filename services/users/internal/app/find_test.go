package app_test

import (
	"maps"
	"testing"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/users/internal/app"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

func TestFindAccountsFindsWhatExists(t *testing.T) {
	f := newFixture(t)
	buyer, _ := f.signUp(t, "ann@example.com", domain.RoleBuyer)
	supplier, sup := f.signUp(t, "sup@example.com", domain.RoleSupplier)
	_, shop := f.signUp(t, "shop@example.com", domain.RoleMerchant)
	service := auth.Caller{Subject: "orders", Kind: auth.KindService, Roles: []string{auth.RoleService}}
	reviewer := auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: []string{auth.RoleReviewer}}
	unknown := uuid.New()

	for name, c := range map[string]auth.Caller{"service": service, "operator": reviewer} {
		t.Run(name, func(t *testing.T) {
			// An organization's id asked as a user's, and a user's as an
			// organization's, are not found: the kinds are apart.
			got, err := f.svc.FindAccounts(ctx, c, []uuid.UUID{buyer.ID, unknown, sup.ID, supplier.ID}, []uuid.UUID{shop.ID, sup.ID, unknown, buyer.ID})
			if err != nil {
				t.Fatal(err)
			}
			users := map[uuid.UUID]bool{}
			for _, id := range got.Users {
				users[id] = true
			}
			if want := map[uuid.UUID]bool{buyer.ID: true, supplier.ID: true}; !maps.Equal(users, want) {
				t.Errorf("users found %v, want %v", users, want)
			}
			if want := map[uuid.UUID]domain.OrganizationKind{shop.ID: domain.KindMerchant, sup.ID: domain.KindSupplier}; !maps.Equal(got.Organizations, want) {
				t.Errorf("organizations found %v, want %v", got.Organizations, want)
			}
		})
	}
	for name, c := range map[string]auth.Caller{"buyer": caller(buyer), "supplier": caller(supplier)} {
		t.Run("refused to a "+name, func(t *testing.T) {
			_, err := f.svc.FindAccounts(ctx, c, []uuid.UUID{buyer.ID}, nil)
			wantKind(t, err, apperr.KindPermissionDenied)
		})
	}
	t.Run("too many ids", func(t *testing.T) {
		_, err := f.svc.FindAccounts(ctx, service, nil, make([]uuid.UUID, app.MaxFindAccounts+1))
		wantKind(t, err, apperr.KindInvalid)
	})
}
