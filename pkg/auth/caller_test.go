package auth_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/auth"
)

func TestWhoACallerIs(t *testing.T) {
	user := func(roles ...string) auth.Caller { return auth.Caller{Subject: "u", Kind: auth.KindUser, Roles: roles} }
	tests := []struct {
		name                          string
		c                             auth.Caller
		service, admin, operator, erp bool
	}{
		{"a service account", auth.Caller{Subject: "orders", Kind: auth.KindService, Roles: []string{auth.RoleService}}, true, false, false, false},
		{"a service kind without the role", auth.Caller{Subject: "orders", Kind: auth.KindService}, false, false, false, false},
		{"a user carrying the service role", user(auth.RoleService), false, false, false, false},
		{"an admin", user(auth.RoleAdmin), false, true, true, false},
		{"a reviewer", user(auth.RoleReviewer), false, false, true, false},
		{"a translator", user(auth.RoleTranslator), false, false, true, false},
		{"a buyer", user(auth.RoleBuyer), false, false, false, false},
		{"a service account carrying the admin role", auth.Caller{Kind: auth.KindService, Roles: []string{auth.RoleService, auth.RoleAdmin}}, true, false, false, false},
		{"an ERP client", auth.Caller{Kind: auth.KindAPIClient, Roles: []string{auth.RoleERP}}, false, false, false, true},
		{"an API client carrying the admin role", auth.Caller{Kind: auth.KindAPIClient, Roles: []string{auth.RoleAdmin}}, false, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := [4]bool{tt.c.IsService(), tt.c.IsAdmin(), tt.c.IsOperator(), tt.c.IsERP()}; got != [4]bool{tt.service, tt.admin, tt.operator, tt.erp} {
				t.Errorf("service, admin, operator, ERP = %v, want %v", got, [4]bool{tt.service, tt.admin, tt.operator, tt.erp})
			}
		})
	}
}

// SupplierOrg and MerchantOrg name the organization a caller acts for, and
// only for the members (and ERP clients) of that kind of organization.
func TestOrganizationACallerActsFor(t *testing.T) {
	org := uuid.New()
	supplier, merchant := auth.Caller.SupplierOrg, auth.Caller.MerchantOrg
	for _, tt := range []struct {
		name string
		of   func(auth.Caller) (uuid.UUID, bool)
		c    auth.Caller
		ok   bool
	}{
		{"a supplier's member", supplier, auth.Caller{Kind: auth.KindUser, Roles: []string{auth.RoleSupplier}, OrganizationID: org.String()}, true},
		{"the supplier's ERP", supplier, auth.Caller{Kind: auth.KindAPIClient, Roles: []string{auth.RoleERP}, OrganizationID: org.String()}, true},
		{"a supplier's member without an organization", supplier, auth.Caller{Kind: auth.KindUser, Roles: []string{auth.RoleSupplier}}, false},
		{"a supplier's member of the nil organization", supplier, auth.Caller{Kind: auth.KindUser, Roles: []string{auth.RoleSupplier}, OrganizationID: uuid.Nil.String()}, false},
		{"a merchant's member as a supplier", supplier, auth.Caller{Kind: auth.KindUser, Roles: []string{auth.RoleMerchant}, OrganizationID: org.String()}, false},
		{"an admin as a supplier", supplier, auth.Caller{Kind: auth.KindUser, Roles: []string{auth.RoleAdmin}, OrganizationID: org.String()}, false},
		{"a service carrying the supplier role", supplier, auth.Caller{Kind: auth.KindService, Roles: []string{auth.RoleSupplier}, OrganizationID: org.String()}, false},
		{"a partner's API client as a supplier", supplier, auth.Caller{Kind: auth.KindAPIClient, Roles: []string{auth.RolePartner}, OrganizationID: org.String()}, false},
		{"a merchant's member", merchant, auth.Caller{Kind: auth.KindUser, Roles: []string{auth.RoleMerchant}, OrganizationID: org.String()}, true},
		{"a merchant's member without an organization", merchant, auth.Caller{Kind: auth.KindUser, Roles: []string{auth.RoleMerchant}, OrganizationID: "not-an-id"}, false},
		{"a supplier's member as a merchant", merchant, auth.Caller{Kind: auth.KindUser, Roles: []string{auth.RoleSupplier}, OrganizationID: org.String()}, false},
		{"an API client carrying the merchant role", merchant, auth.Caller{Kind: auth.KindAPIClient, Roles: []string{auth.RoleMerchant}, OrganizationID: org.String()}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.of(tt.c)
			if ok != tt.ok || (ok && got != org) {
				t.Errorf("organization = %v, %v; want ok %v", got, ok, tt.ok)
			}
		})
	}
}
