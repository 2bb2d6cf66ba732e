package httpapi

import "github.com/crossdock/crossdock/services/gateway/internal/edge"

// PublicRoutes take no access token: signing up and in, the keys, the API's
// own documents, and browsing the catalogue.
var PublicRoutes = edge.NewRouteSet(
	"POST /v1/auth/signup",
	"POST /v1/auth/login",
	"POST /v1/auth/refresh",
	"GET /.well-known/jwks.json",
	"GET /openapi.json",
	"GET /docs",
	"GET /healthz",
	"GET /v1/categories",
	"GET /v1/brands",
	"GET /v1/listings",
	"GET /v1/listings/{product_id}",
	"GET /v1/listings/{product_id}/offers",
	"GET /v1/availability",
)

// CredentialRoutes accept credentials (passwords, refresh tokens) and are
// limited per client address more strictly than the rest.
var CredentialRoutes = edge.NewRouteSet(
	"POST /v1/auth/signup",
	"POST /v1/auth/login",
	"POST /v1/auth/refresh",
)

// CacheableRoutes answer the same to everyone and carry nothing personal:
// the keys, the API's documents and the public catalogue. Every other
// response, the credential routes' above all, is marked no-store.
var CacheableRoutes = edge.NewRouteSet(
	"GET /.well-known/jwks.json",
	"GET /openapi.json",
	"GET /docs",
	"GET /healthz",
	"GET /v1/categories",
	"GET /v1/brands",
	"GET /v1/listings",
	"GET /v1/listings/{product_id}",
	"GET /v1/listings/{product_id}/offers",
	"GET /v1/availability",
)
