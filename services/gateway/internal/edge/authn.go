package edge

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"google.golang.org/grpc/codes"

	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/netkey"
)

// TokenVerifier checks a bearer access token.
type TokenVerifier interface {
	Verify(ctx context.Context, token string) (auth.Caller, error)
}

// Access is the gateway's coarse access policy: which routes are public, which
// are credential endpoints with a stricter per-address limit, and the limits.
// The services check again, with object ownership, whatever passes here.
type Access struct {
	Verifier TokenVerifier
	// Public routes take no token.
	Public RouteSet
	// Credential routes (sign-up, login, refresh) get the per-address
	// Credentials limit, which stops a flood before it burns CPU on password
	// hashing upstream.
	Credential     RouteSet
	PerAddress     *Limiter // every request, by client address (netkey.Client)
	Credentials    *Limiter // credential routes, by client address (netkey.Client)
	PerSubject     *Limiter // authenticated requests, by token subject
	TrustForwarded bool
}

// Middleware enforces the policy.
func (a *Access) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr := ClientAddr(r, a.TrustForwarded)
		r = r.WithContext(WithClientAddr(r.Context(), addr))
		key := netkey.Client(addr)
		if ok, wait := a.PerAddress.Allow(key); !ok {
			TooManyRequests(w, wait)
			return
		}
		if a.Credential.MatchRequest(r) {
			if ok, wait := a.Credentials.Allow(key); !ok {
				TooManyRequests(w, wait)
				return
			}
		}
		if a.Public.MatchRequest(r) || r.Method == http.MethodOptions {
			// A public route takes no token, but one sent along reaches the
			// service, which acts on it: it must be a person's too. A token
			// that does not verify is the service's to refuse, as before.
			if token, ok := bearer(r); ok && r.Method != http.MethodOptions {
				if caller, err := a.Verifier.Verify(r.Context(), token); err == nil && caller.Kind != auth.KindUser {
					notForThePublicAPI(w)
					return
				}
			}
			next.ServeHTTP(w, r)
			return
		}
		token, ok := bearer(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="crossdock"`)
			WriteError(w, http.StatusUnauthorized, codes.Unauthenticated, "missing bearer token")
			return
		}
		caller, err := a.Verifier.Verify(r.Context(), token)
		if errors.Is(err, auth.ErrKeysUnavailable) {
			// Our outage, not the client's fault: retry, don't sign out.
			w.Header().Set("Retry-After", "1")
			WriteError(w, http.StatusServiceUnavailable, codes.Unavailable, "authentication temporarily unavailable")
			return
		}
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="crossdock", error="invalid_token"`)
			WriteError(w, http.StatusUnauthorized, codes.Unauthenticated, "invalid or expired token")
			return
		}
		if caller.Kind != auth.KindUser {
			notForThePublicAPI(w)
			return
		}
		if ok, wait := a.PerSubject.Allow(caller.Subject); !ok {
			TooManyRequests(w, wait)
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithCaller(r.Context(), caller)))
	})
}

// notForThePublicAPI refuses a valid token that is not a person's: a
// service's token (its calls go from service to service, never through the
// gateway) carries rights over every user's records, so one that leaked must
// not open them from the internet.
func notForThePublicAPI(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="crossdock", error="insufficient_scope"`)
	WriteError(w, http.StatusForbidden, codes.PermissionDenied, "this token is not for the public API; sign in as a user")
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, found := strings.Cut(h, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", false
	}
	return strings.TrimSpace(token), true
}
