package auth

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// ErrInvalidToken is what every rejected access token gets. The reason is
// attached as the cause, for logs; the client learns nothing that would help
// it probe the verifier.
var ErrInvalidToken = apperr.Unauthenticated("invalid or expired token").WithReason("INVALID_TOKEN")

// ErrKeysUnavailable reports that the verification keys could not be
// fetched. It is Unavailable rather than Unauthenticated: the token may be
// fine, and clients should retry instead of discarding it.
var ErrKeysUnavailable = apperr.Unavailable("token verification keys unavailable")

// Causes of ErrInvalidToken, for logs and tests.
var (
	errMalformed      = errors.New("malformed token")
	errAlgorithm      = errors.New("unsupported token algorithm")
	errUnknownKey     = errors.New("unknown token key id")
	errSignature      = errors.New("bad token signature")
	errIssuer         = errors.New("wrong token issuer")
	errAudience       = errors.New("wrong token audience")
	errExpired        = errors.New("token expired")
	errNotYetValid    = errors.New("token not yet valid")
	errClaims         = errors.New("token claims incomplete")
	errTokenTooLong   = errors.New("token too long")
	errKeyFetchFailed = errors.New("key fetch failed")
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

	keys atomic.Pointer[keySet]

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
	return v
}

// Verify checks token's signature, algorithm, issuer, audience and validity
// period and returns the caller it names. A rejected token gives
// ErrInvalidToken; keys that cannot be fetched give ErrKeysUnavailable.
func (v *Verifier) Verify(ctx context.Context, token string) (Caller, error) {
	if len(token) > maxTokenLen {
		return Caller{}, ErrInvalidToken.Wrap(errTokenTooLong)
	}
	dot1, dot2, ok := splitToken(token)
	if !ok {
		return Caller{}, ErrInvalidToken.Wrap(errMalformed)
	}
	scratch := scratchPool.Get().(*scratch)
	defer scratchPool.Put(scratch)

	var hdr header
	if err := scratch.unmarshal(token[:dot1], &hdr); err != nil {
		return Caller{}, ErrInvalidToken.Wrap(errMalformed)
	}
	// The algorithm is fixed by the verifier, never chosen by the token:
	// "none", HS256 and every other value fail here, before any key is used.
	if hdr.Alg != algEdDSA || hdr.Crit != nil || (hdr.Typ != "" && hdr.Typ != "JWT") {
		return Caller{}, ErrInvalidToken.Wrap(errAlgorithm)
	}
	if hdr.Kid == "" {
		return Caller{}, ErrInvalidToken.Wrap(errMalformed)
	}
	var sig [ed25519.SignatureSize]byte
	raw, err := scratch.decode(token[dot2+1:])
	if err != nil || len(raw) != len(sig) {
		return Caller{}, ErrInvalidToken.Wrap(errMalformed)
	}
	copy(sig[:], raw)
	pub, err := v.key(ctx, hdr.Kid)
	if err != nil {
		return Caller{}, err
	}
	if !ed25519.Verify(pub, scratch.bytes(token[:dot2]), sig[:]) {
		return Caller{}, ErrInvalidToken.Wrap(errSignature)
	}
	var cl claims
	if err := scratch.unmarshal(token[dot1+1:dot2], &cl); err != nil {
		return Caller{}, ErrInvalidToken.Wrap(errMalformed)
	}
	if err := v.checkClaims(&cl); err != nil {
		return Caller{}, ErrInvalidToken.Wrap(err)
	}
	return Caller{
		Subject:          cl.Sub,
		Kind:             cl.Kind,
		Roles:            cl.Roles,
		OrganizationID:   cl.Org,
		OrganizationRole: cl.OrgRole,
		TokenID:          cl.Jti,
		ExpiresAt:        time.Unix(cl.Exp, 0),
	}, nil
}

func (v *Verifier) checkClaims(cl *claims) error {
	now := v.now()
	switch {
	case cl.Iss != Issuer:
		return errIssuer
	case !cl.Aud.contains(Audience):
		return errAudience
	case cl.Sub == "" || cl.Jti == "" || cl.Exp == 0 || (cl.Kind != KindUser && cl.Kind != KindService):
		return errClaims
	case now.After(time.Unix(cl.Exp, 0).Add(v.leeway)):
		return errExpired
	case cl.Nbf != 0 && now.Add(v.leeway).Before(time.Unix(cl.Nbf, 0)):
		return errNotYetValid
	case cl.Iat != 0 && now.Add(v.leeway).Before(time.Unix(cl.Iat, 0)):
		return errNotYetValid
	}
	return nil
}

// splitToken finds the two dots of a compact JWS and checks that every other
// byte is in the base64url alphabet: the decoder alone would skip newlines,
// letting one token be written several ways.
func splitToken(token string) (dot1, dot2 int, ok bool) {
	dot1, dot2 = -1, -1
	for i := 0; i < len(token); i++ {
		c := token[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
		case c == '.' && dot1 < 0:
			dot1 = i
		case c == '.' && dot2 < 0:
			dot2 = i
		default:
			return 0, 0, false
		}
	}
	return dot1, dot2, dot1 > 0 && dot2 > dot1+1 && dot2 < len(token)-1
}

// scratch is per-call working memory for Verify, pooled so verifying a
// token costs no buffer allocations. encoding/json copies what it keeps, so
// nothing decoded refers into it after a call.
type scratch struct{ b []byte }

var scratchPool = sync.Pool{New: func() any { return &scratch{b: make([]byte, 0, 2048)} }}

// bytes returns s as a byte slice in the scratch buffer, valid until the
// next use of the scratch.
func (sc *scratch) bytes(s string) []byte {
	sc.b = append(sc.b[:0], s...)
	return sc.b
}

// decode base64url-decodes one token segment into the scratch buffer.
func (sc *scratch) decode(seg string) ([]byte, error) {
	n := len(seg) + b64.DecodedLen(len(seg))
	if cap(sc.b) < n {
		sc.b = make([]byte, n)
	}
	src, dst := sc.b[:len(seg)], sc.b[len(seg):n]
	copy(src, seg)
	m, err := b64.Decode(dst, src)
	return dst[:m], err
}

// unmarshal decodes one token segment and unmarshals its JSON into v.
func (sc *scratch) unmarshal(seg string, v any) error {
	raw, err := sc.decode(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
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
