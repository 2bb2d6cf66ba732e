package httpapi

import (
	"slices"

	"github.com/crossdock/crossdock/services/gateway/internal/docsui"
	"github.com/crossdock/crossdock/services/gateway/internal/edge"
)

// passwordTemplates are the routes that check or set a password: each
// costs a password hash upstream, and a guess at one is what a flood of
// them is after.
var passwordTemplates = []string{
	"POST /v1/auth/signup",
	"POST /v1/auth/login",
}

// accountTemplates create an account with its password, for a signed-in
// caller (an organization's owner, an admin): each costs a password hash
// as a sign-up does, and anyone can own an organization (a supplier's
// sign-up makes one), so without the password routes' limit they were a
// way around it to fill the users service's hashing slots.
var accountTemplates = []string{
	"POST /v1/organizations/{organization_id}/members",
	"POST /v1/operators",
}

// sessionTemplates take a refresh token as their credential: no password
// hash behind them, and a 256-bit token no guessing finds, so they share
// only the per-address limit of every request. Users behind one address (a
// carrier's NAT) refresh every few minutes each; under the password
// routes' limit a thousand of them were refused.
var sessionTemplates = []string{
	"POST /v1/auth/refresh",
	"POST /v1/auth/logout",
}

// cacheableTemplates are the public routes that answer the same to everyone
// and carry nothing personal: the keys, the API's documents and reference, and
// the public catalogue.
var cacheableTemplates = slices.Concat([]string{
	"GET /.well-known/jwks.json",
	"GET /healthz",
	"GET /v1/categories",
	"GET /v1/brands",
	"GET /v1/listings",
	"GET /v1/listings/{product_id}",
	"GET /v1/listings/{product_id}/offers",
	"GET /v1/availability",
}, documentRoutes, docsui.Routes)

// signedTemplates take no access token because the request carries its own
// proof: the payment provider's and the carriers' webhooks are signed with
// shared secrets, which finance and logistics verify.
var signedTemplates = []string{
	ProviderWebhookRoute,
	CarrierWebhookRoute,
}

// PublicRoutes take no access token: signing up and in, the keys, the API's
// own documents, browsing the catalogue, and the signed webhooks.
var PublicRoutes = edge.NewRouteSet(slices.Concat(passwordTemplates, sessionTemplates, cacheableTemplates, signedTemplates)...)

// CredentialRoutes check or set passwords and are limited per client
// address more strictly than the rest.
var CredentialRoutes = edge.NewRouteSet(slices.Concat(passwordTemplates, accountTemplates)...)

// CacheableRoutes answer the same to everyone and carry nothing personal.
// Every other response, the credential routes' above all, is marked
// no-store.
var CacheableRoutes = edge.NewRouteSet(cacheableTemplates...)
