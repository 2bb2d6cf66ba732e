package auth_test

import (
	"testing"

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
