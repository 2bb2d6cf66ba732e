package httpapi_test

import (
	"testing"

	"github.com/crossdock/crossdock/services/gateway/internal/httpapi"
)

// The strict per-address limit is for the routes that cost a password
// hash, signed in (an owner adding a member, an admin an operator) or not;
// refreshing and signing out take a token no guessing finds and share only
// the limit of every request, so the users behind one address (a carrier's
// NAT) are not refused their refreshes. Only the sign-in routes are public.
func TestOnlyPasswordRoutesGetTheCredentialLimit(t *testing.T) {
	for _, tc := range []struct {
		path           string
		strict, public bool
	}{
		{"/v1/auth/signup", true, true},
		{"/v1/auth/login", true, true},
		{"/v1/auth/refresh", false, true},
		{"/v1/auth/logout", false, true},
		{"/v1/organizations/0b7c1d2e-0000-4000-8000-000000000001/members", true, false},
		{"/v1/operators", true, false},
		{"/v1/api-clients", false, false},
	} {
		if got := httpapi.CredentialRoutes.Match("POST", tc.path); got != tc.strict {
			t.Errorf("POST %s under the credential limit: %v, want %v", tc.path, got, tc.strict)
		}
		if got := httpapi.PublicRoutes.Match("POST", tc.path); got != tc.public {
			t.Errorf("POST %s public: %v, want %v", tc.path, got, tc.public)
		}
	}
}
