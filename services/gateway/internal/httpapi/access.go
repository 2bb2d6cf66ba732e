package httpapi

// PublicRoutes take no access token.
var PublicRoutes = map[string]bool{
	"POST /v1/auth/signup":       true,
	"POST /v1/auth/login":        true,
	"POST /v1/auth/refresh":      true,
	"GET /.well-known/jwks.json": true,
	"GET /openapi.json":          true,
	"GET /docs":                  true,
	"GET /healthz":               true,
}

// CredentialRoutes accept credentials (passwords, refresh tokens) and are
// limited per client address more strictly than the rest.
var CredentialRoutes = map[string]bool{
	"POST /v1/auth/signup":  true,
	"POST /v1/auth/login":   true,
	"POST /v1/auth/refresh": true,
}
