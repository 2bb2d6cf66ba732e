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
			token, ok, malformed := bearer(r)
			if malformed {
				malformedAuthorization(w)
				return
			}
			if ok && r.Method != http.MethodOptions {
				if caller, err := a.Verifier.Verify(r.Context(), token); err == nil && caller.Kind != auth.KindUser {
					notForThePublicAPI(w)
					return
				}
			}
			next.ServeHTTP(w, r)
			return
		}
		token, ok, malformed := bearer(r)
		if malformed {
			malformedAuthorization(w)
			return
		}
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="crossdock"`)
			writeErrorReason(w, http.StatusUnauthorized, codes.Unauthenticated, ReasonTokenMissing, "missing bearer token")
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
			writeErrorReason(w, http.StatusUnauthorized, codes.Unauthenticated, ReasonTokenInvalid, "invalid or expired token")
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
	writeErrorReason(w, http.StatusForbidden, codes.PermissionDenied, ReasonTokenNotForThisAPI, "this token is not for the public API; sign in as a user")
}

// bearer reads the request's bearer token, and leaves the request's
// Authorization header as exactly "Bearer <token>": what the edge verifies
// is then what the router forwards to the service. ok is false without a
// token. A request with more than one Authorization header, or one holding
// anything but printable ASCII, has none that counts (malformed): the
// router forwards every Authorization header that is printable ASCII and
// drops the others, so the edge could verify one token while the service
// acted on another (a person's checked here, a leaked service's forwarded).
func bearer(r *http.Request) (token string, ok, malformed bool) {
	values := r.Header.Values("Authorization")
	switch {
	case len(values) == 0:
		return "", false, false
	case len(values) > 1 || strings.IndexFunc(values[0], func(c rune) bool { return c < 0x20 || c > 0x7e }) >= 0:
		return "", false, true
	}
	scheme, token, found := strings.Cut(values[0], " ")
	token = strings.TrimSpace(token)
	if !found || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false, false
	}
	r.Header.Set("Authorization", "Bearer "+token)
	return token, true, false
}

// malformedAuthorization refuses a request whose Authorization headers
// cannot be read as one bearer token (bearer).
func malformedAuthorization(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="crossdock", error="invalid_request"`)
	WriteError(w, http.StatusBadRequest, codes.InvalidArgument, "send one Authorization header: Bearer and the token, in printable ASCII")
}
