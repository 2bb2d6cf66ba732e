package httpapi_test

import (
	"testing"

	"github.com/crossdock/crossdock/services/gateway/internal/httpapi"
)

// The strict per-address limit is for the routes that cost a password
// hash; refreshing and signing out take a token no guessing finds and
// share only the limit of every request, so the users behind one address
// (a carrier's NAT) are not refused their refreshes. All four are public.
func TestOnlyPasswordRoutesGetTheCredentialLimit(t *testing.T) {
	for _, tc := range []struct {
		path   string
		strict bool
	}{
		{"/v1/auth/signup", true},
		{"/v1/auth/login", true},
		{"/v1/auth/refresh", false},
		{"/v1/auth/logout", false},
	} {
		if got := httpapi.CredentialRoutes.Match("POST", tc.path); got != tc.strict {
			t.Errorf("POST %s under the credential limit: %v, want %v", tc.path, got, tc.strict)
		}
		if !httpapi.PublicRoutes.Match("POST", tc.path) {
			t.Errorf("POST %s is not public", tc.path)
		}
	}
}
