package auth

import (
	"context"
	"crypto/ed25519"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// The reasons of a token refused, the same from the gateway and from every
// service: a client refreshing its token on TOKEN_INVALID does so whichever
// of them found it expired (one a moment after the other, or on a clock a
// little ahead).
const (
	ReasonTokenMissing = "TOKEN_MISSING"
	ReasonTokenInvalid = "TOKEN_INVALID"
)

// ErrInvalidToken is what every rejected access token gets. The reason is
// attached as the cause, for logs; the client learns nothing that would help
// it probe the verifier.
var ErrInvalidToken = apperr.Unauthenticated("invalid or expired token").WithReason(ReasonTokenInvalid)

// ErrKeysUnavailable reports that the verification keys could not be
// fetched. It is Unavailable rather than Unauthenticated: the token may be
// fine, and clients should retry instead of discarding it.
var ErrKeysUnavailable = apperr.Unavailable("token verification keys unavailable")

// Causes of ErrInvalidToken, for logs and tests.
var (
	errMalformed      = errors.New("malformed token")
	errAlgorithm      = errors.New("unsupported token header")
	errUnknownKey     = errors.New("unknown token key id")
	errClaims         = errors.New("token claims incomplete")
	errTokenTooLong   = errors.New("token too long")
	errKeyFetchFailed = errors.New("key fetch failed")
	errRevoked        = errors.New("token session revoked")
)

const (
	// maxTokenLen bounds the work an arbitrary string can cause; real tokens
	// are a few hundred bytes.
	maxTokenLen = 8 << 10
	// fetchTimeout bounds one JWKS fetch, so a hung users service cannot
	// hold every unknown-kid request forever.
	fetchTimeout = 10 * time.Second
	// retryAfterFailure is how soon a failed fetch may be retried, shorter
	// than the refetch interval so a verifier started before the users
	// service recovers within seconds.
	retryAfterFailure = time.Second
)

// Verifier checks access tokens against the issuer's published keys. It is
// safe for concurrent use; keep one per process.
type Verifier struct {
	src             KeySource
	now             func() time.Time
	refetchInterval time.Duration
	leeway          time.Duration
	maxKeyAge       time.Duration
	revoked         *Revocations

	// parser checks the algorithm, signature and registered claims; it is
	// built once, after the options, and is safe for concurrent use.
	parser *jwt.Parser

	keys atomic.Pointer[keySet]

	// verified remembers accepted tokens (verified.go); parsed counts the
	// tokens verified in full (tests).
	verified verifiedTokens
	parsed   atomic.Int64

	// fetching is a one-slot semaphore held by the goroutine that fetches;
	// unlike a mutex, waiting for it respects the caller's context.
	fetching    chan struct{}
	nextAttempt time.Time // guarded by fetching
}

type keySet struct {
	byKid     map[string]ed25519.PublicKey
	fetchedAt time.Time
}

// VerifierOption changes a Verifier's defaults.
type VerifierOption func(*Verifier)

// WithClock sets the clock used for token times and fetch rate limits.
func WithClock(now func() time.Time) VerifierOption {
	return func(v *Verifier) { v.now = now }
}

// WithRefetchInterval sets the minimum time between key fetches triggered by
// an unknown kid (default 5 s): a key made by an emergency rotation verifies
// within seconds, while a flood of forged kids costs at most one request to
// the users service per interval. A failed fetch may be retried after a second.
func WithRefetchInterval(d time.Duration) VerifierOption {
	return func(v *Verifier) { v.refetchInterval = d }
}

// WithLeeway sets the clock skew tolerated on exp, nbf and iat (default 30s).
func WithLeeway(d time.Duration) VerifierOption {
	return func(v *Verifier) { v.leeway = d }
}

// WithMaxKeyAge sets how long fetched keys are trusted before they are
// fetched again (default 10m), so a key withdrawn from the JWKS stops
// verifying even when no unknown kid shows up.
func WithMaxKeyAge(d time.Duration) VerifierOption {
	return func(v *Verifier) { v.maxKeyAge = d }
}

// WithRevocations makes the verifier refuse tokens of the sessions in r, at
// once rather than when they expire.
func WithRevocations(r *Revocations) VerifierOption {
	return func(v *Verifier) { v.revoked = r }
}

// NewVerifier returns a verifier that fetches keys from src on first use.
func NewVerifier(src KeySource, opts ...VerifierOption) *Verifier {
	v := &Verifier{
		src:             src,
		now:             time.Now,
		refetchInterval: 5 * time.Second,
		leeway:          30 * time.Second,
		maxKeyAge:       10 * time.Minute,
		fetching:        make(chan struct{}, 1),
	}
	for _, o := range opts {
		o(v)
	}
	v.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{algEdDSA}),
		jwt.WithIssuer(Issuer),
		jwt.WithAudience(Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(v.leeway),
		jwt.WithTimeFunc(v.now),
		// Strict base64: the signature's last character has bits a lenient
		// decoder ignores, which would give one token several spellings.
		jwt.WithStrictDecoding(),
	)
	return v
}

// Verify checks token's signature, algorithm, issuer, audience and validity
// period and returns the caller it names. A rejected token gives
// ErrInvalidToken; keys that cannot be fetched give ErrKeysUnavailable.
func (v *Verifier) Verify(ctx context.Context, token string) (Caller, error) {
	if len(token) > maxTokenLen {
		return Caller{}, ErrInvalidToken.Wrap(errTokenTooLong)
	}
	keyOf := func(kid string) (ed25519.PublicKey, error) { return v.key(ctx, kid) }
	if c, ok, err := v.remembered(token, keyOf); ok {
		return c, err
	}
	if !wellFormed(token) {
		return Caller{}, ErrInvalidToken.Wrap(errMalformed)
	}
	v.parsed.Add(1)
	var (
		cl     claims
		keyErr error
		kid    string
		pub    ed25519.PublicKey
	)
	_, err := v.parser.ParseWithClaims(token, &cl, func(t *jwt.Token) (any, error) {
		kid, pub, keyErr = v.tokenKey(ctx, t)
		return pub, keyErr
	})
	switch {
	case keyErr != nil:
		return Caller{}, keyErr
	case err != nil:
		return Caller{}, ErrInvalidToken.Wrap(err)
	case cl.Sid != "" && v.revoked.Revoked(cl.Sid):
		return Caller{}, ErrInvalidToken.Wrap(errRevoked)
	}
	c := Caller{
		Subject:          cl.Subject,
		Kind:             cl.Kind,
		Roles:            cl.Roles,
		OrganizationID:   cl.Org,
		OrganizationRole: cl.OrgRole,
		TokenID:          cl.ID,
		SessionID:        cl.Sid,
		ExpiresAt:        cl.ExpiresAt.Time,
	}
	kept := c
	kept.Roles = slices.Clone(c.Roles)
	v.verified.remember(token, verifiedToken{caller: kept, kid: kid, key: pub}, v.expired)
	return c, nil
}

// tokenKey is the jwt key function: it refuses header parameters this
// package does not implement, then finds the key named by "kid". The
// algorithm was already pinned to EdDSA by the parser, before any key is
// looked up: "none", HS256 and every other value fail there.
func (v *Verifier) tokenKey(ctx context.Context, t *jwt.Token) (string, ed25519.PublicKey, error) {
	// Critical extensions must be understood or the token refused (RFC 7515
	// §4.1.11); none are implemented.
	if _, crit := t.Header["crit"]; crit {
		return "", nil, ErrInvalidToken.Wrap(errAlgorithm)
	}
	if typ, ok := t.Header["typ"]; ok && typ != "JWT" {
		return "", nil, ErrInvalidToken.Wrap(errAlgorithm)
	}
	kid, _ := t.Header["kid"].(string)
	if kid == "" {
		return "", nil, ErrInvalidToken.Wrap(errMalformed)
	}
	pub, err := v.key(ctx, kid)
	return kid, pub, err
}

// wellFormed checks that a token is three non-empty segments of the
// base64url alphabet: the decoder alone would skip newlines, letting one
// token be written several ways.
func wellFormed(token string) bool {
	dot1, dot2 := -1, -1
	for i := 0; i < len(token); i++ {
		c := token[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
		case c == '.' && dot1 < 0:
			dot1 = i
		case c == '.' && dot2 < 0:
			dot2 = i
		default:
			return false
		}
	}
	return dot1 > 0 && dot2 > dot1+1 && dot2 < len(token)-1
}

// key returns the public key for kid, fetching the key set on first use, when
// it has grown old, or when kid is unknown (at most once per refetch
// interval).
func (v *Verifier) key(ctx context.Context, kid string) (ed25519.PublicKey, error) {
	if set := v.keys.Load(); set != nil {
		if pub, ok := set.byKid[kid]; ok {
			if v.now().Sub(set.fetchedAt) >= v.maxKeyAge {
				v.refreshStale(ctx)
				if set = v.keys.Load(); set != nil {
					if pub, ok := set.byKid[kid]; ok {
						return pub, nil
					}
				}
				return nil, ErrInvalidToken.Wrap(errUnknownKey)
			}
			return pub, nil
		}
	}
	select {
	case v.fetching <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-v.fetching }()

	// Another caller may have fetched while this one waited.
	set := v.keys.Load()
	if set != nil {
		if pub, ok := set.byKid[kid]; ok {
			return pub, nil
		}
	}
	if v.now().Before(v.nextAttempt) {
		if set == nil {
			return nil, ErrKeysUnavailable.Wrap(errKeyFetchFailed)
		}
		return nil, ErrInvalidToken.Wrap(errUnknownKey)
	}
	if err := v.fetch(ctx); err != nil {
		return nil, err
	}
	if pub, ok := v.keys.Load().byKid[kid]; ok {
		return pub, nil
	}
	return nil, ErrInvalidToken.Wrap(errUnknownKey)
}

// refreshStale refetches an aged key set unless a fetch is already running
// or was tried recently; on failure the old keys stay in use.
func (v *Verifier) refreshStale(ctx context.Context) {
	select {
	case v.fetching <- struct{}{}:
	default:
		return
	}
	defer func() { <-v.fetching }()
	if set := v.keys.Load(); set != nil && v.now().Sub(set.fetchedAt) < v.maxKeyAge {
		return // refreshed while this caller was deciding
	}
	if v.now().Before(v.nextAttempt) {
		return
	}
	_ = v.fetch(ctx)
}

// fetch loads the key set; the caller holds the fetching slot.
func (v *Verifier) fetch(ctx context.Context) error {
	now := v.now()
	fctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	jwks, err := v.src(fctx)
	if err != nil {
		v.nextAttempt = now.Add(min(retryAfterFailure, v.refetchInterval))
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return ErrKeysUnavailable.Wrap(err)
	}
	v.nextAttempt = now.Add(v.refetchInterval)
	v.keys.Store(&keySet{byKid: publicKeys(jwks), fetchedAt: now})
	return nil
}

// bearerToken extracts the token from an "authorization" value of the form
// "Bearer <token>" (the scheme is case-insensitive).
func bearerToken(value string) (string, bool) {
	scheme, token, ok := strings.Cut(value, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
