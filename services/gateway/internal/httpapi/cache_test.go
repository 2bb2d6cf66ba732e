package httpapi_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/crossdock/crossdock/services/gateway/internal/edge"
	"github.com/crossdock/crossdock/services/gateway/internal/httpapi"
)

func TestResponsesWithTokensOrPersonalDataAreNotStored(t *testing.T) {
	h := edge.NoStore(httpapi.CacheableRoutes)(routerOverIdleUpstreams(t))
	for _, tt := range []struct {
		method, target, body string
		want                 string
	}{
		{"POST", "/v1/auth/login", `{"email":"a@b.test","password":"x"}`, "no-store"},
		{"POST", "/v1/auth/signup", `{}`, "no-store"},
		{"POST", "/v1/auth/refresh", `{"refreshToken":"t"}`, "no-store"},
		{"POST", "/v1/auth/login", `{"email":`, "no-store"}, // an error answer too
		{"GET", "/v1/me", "", "no-store"},
		{"GET", "/v1/me/addresses", "", "no-store"},
		{"POST", "/v1/api-clients", `{}`, "no-store"},
		{"GET", "/v1/listings/p1/secret", "", "no-store"},
		{"GET", "/v1/listings", "", ""},
		{"GET", "/v1/listings/p1", "", ""},
		{"GET", "/v1/categories", "", ""},
		{"GET", "/openapi.json", "", "no-cache"},
		{"GET", "/openapi-v2.json", "", "no-cache"},
		{"GET", "/docs", "", "no-cache"},
		{"GET", "/docs/swagger-ui-bundle.js", "", "no-cache"},
	} {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body)))
			if got := rec.Header().Get("Cache-Control"); got != tt.want {
				t.Errorf("Cache-Control %q (status %d), want %q", got, rec.Code, tt.want)
			}
		})
	}
}

func TestCacheableRoutesArePublic(t *testing.T) {
	for _, r := range []struct{ method, path string }{
		{"GET", "/v1/listings"}, {"GET", "/v1/listings/p1/offers"}, {"GET", "/.well-known/jwks.json"}, {"GET", "/v1/availability"},
		{"GET", "/openapi.json"}, {"GET", "/openapi-v2.json"}, {"GET", "/docs"}, {"GET", "/docs/init.js"},
	} {
		if !httpapi.CacheableRoutes.Match(r.method, r.path) || !httpapi.PublicRoutes.Match(r.method, r.path) {
			t.Errorf("%s %s: cacheable %v, public %v", r.method, r.path,
				httpapi.CacheableRoutes.Match(r.method, r.path), httpapi.PublicRoutes.Match(r.method, r.path))
		}
	}
	for _, r := range []struct{ method, path string }{
		{"POST", "/v1/auth/login"}, {"POST", "/v1/auth/signup"}, {"POST", "/v1/auth/refresh"}, {"GET", "/v1/me"},
	} {
		if httpapi.CacheableRoutes.Match(r.method, r.path) {
			t.Errorf("%s %s is cacheable", r.method, r.path)
		}
	}
}
