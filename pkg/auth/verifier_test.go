package auth_test

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/server/grpcerr"
	"github.com/crossdock/crossdock/pkg/testkit"
)

var enc = base64.RawURLEncoding

// keySource serves a changeable key set and counts fetches.
type keySource struct {
	mu    sync.Mutex
	keys  []auth.JWK
	err   error
	calls atomic.Int32
}

func newKeySource(keys ...auth.SigningKey) *keySource {
	s := &keySource{}
	s.set(keys...)
	return s
}

func (s *keySource) set(keys ...auth.SigningKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = nil
	for _, k := range keys {
		s.keys = append(s.keys, k.JWK())
	}
}

func (s *keySource) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

func (s *keySource) fetch(context.Context) (auth.JWKS, error) {
	s.calls.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return auth.JWKS{}, s.err
	}
	return auth.JWKS{Keys: append([]auth.JWK(nil), s.keys...)}, nil
}

func mustKey(t testing.TB) auth.SigningKey {
	t.Helper()
	k, err := auth.NewSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustSign(t testing.TB, key auth.SigningKey, c auth.Caller, ttl time.Duration, now time.Time) string {
	t.Helper()
	tok, err := auth.Sign(key, c, ttl, now)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// craft builds a token from arbitrary header and claims, signed by sign over
// the signing input: for tokens Sign would never produce.
func craft(t testing.TB, hdr, claims any, sign func(input []byte) []byte) string {
	t.Helper()
	h, err := json.Marshal(hdr)
	if err != nil {
		t.Fatal(err)
	}
	c, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	input := enc.EncodeToString(h) + "." + enc.EncodeToString(c)
	return input + "." + enc.EncodeToString(sign([]byte(input)))
}

func edSigner(key auth.SigningKey) func([]byte) []byte {
	return func(in []byte) []byte { return ed25519.Sign(key.Private, in) }
}

// goodClaims are the claims Sign would write, as a map a test can bend.
func goodClaims(now time.Time) map[string]any {
	return map[string]any{
		"iss": auth.Issuer, "aud": []string{auth.Audience}, "sub": "u-1",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(auth.AccessTokenTTL).Unix(),
		"jti": "j-1", "kind": "user", "roles": []string{auth.RoleBuyer},
	}
}

func with(m map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
			continue
		}
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func assertInvalidToken(t *testing.T, err error, token string) {
	t.Helper()
	if !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("err = %v, want ErrInvalidToken", err)
	}
	st := grpcerr.ToStatus(err)
	if st.Code() != codes.Unauthenticated || st.Message() != "invalid or expired token" {
		t.Fatalf("status = %v %q", st.Code(), st.Message())
	}
	if token != "" && strings.Contains(err.Error(), token) {
		t.Fatal("the error echoes the token")
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	clk := newClock()
	key := mustKey(t)
	v := auth.NewVerifier(newKeySource(key).fetch, auth.WithClock(clk.Now))
	tests := []struct {
		name   string
		caller auth.Caller
	}{
		{"buyer", auth.Caller{Subject: "u-1", Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}}},
		{"supplier owner", auth.Caller{Subject: "u-2", Kind: auth.KindUser, Roles: []string{auth.RoleSupplier}, OrganizationID: "org-9", OrganizationRole: auth.OrgRoleOwner}},
		{"operator with two roles", auth.Caller{Subject: "u-3", Kind: auth.KindUser, Roles: []string{auth.RoleReviewer, auth.RoleTranslator}}},
		{"service account", auth.Caller{Subject: "svc-orders", Kind: auth.KindService, Roles: []string{auth.RoleService}}},
		{"no roles", auth.Caller{Subject: "u-4", Kind: auth.KindUser}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := mustSign(t, key, tt.caller, auth.AccessTokenTTL, clk.Now())
			got, err := v.Verify(context.Background(), tok)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got.TokenID == "" {
				t.Error("no token id")
			}
			if !got.ExpiresAt.Equal(clk.Now().Add(auth.AccessTokenTTL)) {
				t.Errorf("ExpiresAt = %v, want %v", got.ExpiresAt, clk.Now().Add(auth.AccessTokenTTL))
			}
			want := tt.caller
			if want.Roles == nil {
				want.Roles = []string{}
			}
			want.TokenID, want.ExpiresAt = got.TokenID, got.ExpiresAt
			if !reflect.DeepEqual(got, want) {
				t.Errorf("caller = %+v, want %+v", got, want)
			}
		})
	}
	a := mustSign(t, key, tests[0].caller, time.Minute, clk.Now())
	b := mustSign(t, key, tests[0].caller, time.Minute, clk.Now())
	ca, _ := v.Verify(context.Background(), a)
	cb, _ := v.Verify(context.Background(), b)
	if ca.TokenID == cb.TokenID {
		t.Error("two tokens share a jti")
	}
}

func TestSignRefusesBadInput(t *testing.T) {
	key := mustKey(t)
	now := time.Now()
	tests := []struct {
		name string
		key  auth.SigningKey
		c    auth.Caller
		ttl  time.Duration
	}{
		{"no kid", auth.SigningKey{Private: key.Private}, auth.Caller{Subject: "u", Kind: auth.KindUser}, time.Minute},
		{"no private key", auth.SigningKey{ID: "k"}, auth.Caller{Subject: "u", Kind: auth.KindUser}, time.Minute},
		{"no subject", key, auth.Caller{Kind: auth.KindUser}, time.Minute},
		{"api client", key, auth.Caller{Subject: "p", Kind: auth.KindAPIClient}, time.Minute},
		{"no kind", key, auth.Caller{Subject: "u"}, time.Minute},
		{"zero ttl", key, auth.Caller{Subject: "u", Kind: auth.KindUser}, 0},
	}
	for _, tt := range tests {
		if _, err := auth.Sign(tt.key, tt.c, tt.ttl, now); err == nil {
			t.Errorf("%s: Sign succeeded", tt.name)
		}
	}
}

func TestVerifyRejects(t *testing.T) {
	clk := newClock()
	key, other := mustKey(t), mustKey(t)
	now := clk.Now()
	caller := auth.Caller{Subject: "u-1", Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}}
	good := mustSign(t, key, caller, auth.AccessTokenTTL, now)
	hdr := map[string]any{"alg": "EdDSA", "typ": "JWT", "kid": key.ID}
	parts := strings.Split(good, ".")

	// The signature's last character carries 2 of the 64 bytes' bits and 4
	// unused ones: another character differing only in those decodes to the
	// same signature under a lenient decoder, a second spelling of the token.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, good[len(good)-1])
	respelled := good[:len(good)-1] + string(alphabet[last^1])

	// A payload granting admin, spliced onto a genuine header and signature.
	adminPayload := enc.EncodeToString([]byte(strings.Replace(string(mustDecode(t, parts[1])), `"buyer"`, `"admin"`, 1)))

	// The classic confusion: HS256 "signed" with the published public key
	// as the HMAC secret, which an algorithm-agile verifier would accept.
	hs256 := func(in []byte) []byte {
		m := hmac.New(sha256.New, key.Public())
		m.Write(in)
		return m.Sum(nil)
	}
	hs256WithX := func(in []byte) []byte {
		m := hmac.New(sha256.New, []byte(key.JWK().X))
		m.Write(in)
		return m.Sum(nil)
	}
	none := func([]byte) []byte { return nil }

	tests := []struct {
		name  string
		token string
		clock time.Duration // how far the clock moves before verifying
	}{
		{"expired", good, auth.AccessTokenTTL + 31*time.Second},
		{"not yet valid", mustSign(t, key, caller, auth.AccessTokenTTL, now.Add(2*time.Minute)), 0},
		{"wrong audience", craft(t, hdr, with(goodClaims(now), "aud", []string{"elsewhere"}), edSigner(key)), 0},
		{"audience as other string", craft(t, hdr, with(goodClaims(now), "aud", "elsewhere"), edSigner(key)), 0},
		{"no audience", craft(t, hdr, with(goodClaims(now), "aud", nil), edSigner(key)), 0},
		{"wrong issuer", craft(t, hdr, with(goodClaims(now), "iss", "someone-else"), edSigner(key)), 0},
		{"no expiry", craft(t, hdr, with(goodClaims(now), "exp", nil), edSigner(key)), 0},
		{"no subject", craft(t, hdr, with(goodClaims(now), "sub", ""), edSigner(key)), 0},
		{"unknown kind", craft(t, hdr, with(goodClaims(now), "kind", "api_client"), edSigner(key)), 0},
		{"issued in the future", craft(t, hdr, with(goodClaims(now), "iat", now.Add(time.Hour).Unix(), "nbf", nil), edSigner(key)), 0},
		{"tampered payload", parts[0] + "." + adminPayload + "." + parts[2], 0},
		{"tampered header", enc.EncodeToString([]byte(`{"alg":"EdDSA","kid":"`+key.ID+`"}`)) + "." + parts[1] + "." + parts[2], 0},
		{"signed by another key under our kid", craft(t, hdr, goodClaims(now), edSigner(other)), 0},
		{"alg none", craft(t, map[string]any{"alg": "none", "typ": "JWT", "kid": key.ID}, goodClaims(now), none), 0},
		{"alg none without signature", strings.TrimSuffix(craft(t, map[string]any{"alg": "none", "kid": key.ID}, goodClaims(now), none), "."), 0},
		{"alg None", craft(t, map[string]any{"alg": "None", "kid": key.ID}, goodClaims(now), none), 0},
		{"HS256 with the public key", craft(t, map[string]any{"alg": "HS256", "typ": "JWT", "kid": key.ID}, goodClaims(now), hs256), 0},
		{"HS256 with the JWK x", craft(t, map[string]any{"alg": "HS256", "typ": "JWT", "kid": key.ID}, goodClaims(now), hs256WithX), 0},
		{"ES256 header", craft(t, map[string]any{"alg": "ES256", "kid": key.ID}, goodClaims(now), edSigner(key)), 0},
		{"critical extension", craft(t, map[string]any{"alg": "EdDSA", "kid": key.ID, "crit": []string{"exp"}}, goodClaims(now), edSigner(key)), 0},
		{"other typ", craft(t, map[string]any{"alg": "EdDSA", "typ": "dpop+jwt", "kid": key.ID}, goodClaims(now), edSigner(key)), 0},
		{"no kid", craft(t, map[string]any{"alg": "EdDSA"}, goodClaims(now), edSigner(key)), 0},
		{"empty", "", 0},
		{"two segments", parts[0] + "." + parts[1], 0},
		{"four segments", good + ".x", 0},
		{"padding", good + "=", 0},
		{"signature spelled with unused bits set", respelled, 0},
		{"newline in signature", parts[0] + "." + parts[1] + "." + parts[2][:10] + "\n" + parts[2][10:], 0},
		{"truncated signature", good[:len(good)-4], 0},
		{"not base64", "a.b.c!", 0},
		{"header not JSON", enc.EncodeToString([]byte("hello")) + "." + parts[1] + "." + parts[2], 0},
		{"huge", strings.Repeat("a", 9000) + "." + parts[1] + "." + parts[2], 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := testkit.NewClock(now.Add(tt.clock))
			v := auth.NewVerifier(newKeySource(key).fetch, auth.WithClock(clk.Now))
			_, err := v.Verify(context.Background(), tt.token)
			assertInvalidToken(t, err, tt.token)
		})
	}

	// The same verifier accepts the genuine token, so the rejections above
	// are about the tokens, not the setup.
	v := auth.NewVerifier(newKeySource(key).fetch, auth.WithClock(clk.Now))
	if _, err := v.Verify(context.Background(), good); err != nil {
		t.Fatalf("genuine token rejected: %v", err)
	}
}

func mustDecode(t *testing.T, seg string) []byte {
	t.Helper()
	b, err := enc.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerifyLeeway(t *testing.T) {
	key := mustKey(t)
	start := time.Unix(1_800_000_000, 0)
	tok := mustSign(t, key, auth.Caller{Subject: "u", Kind: auth.KindUser}, time.Minute, start)
	early := mustSign(t, key, auth.Caller{Subject: "u", Kind: auth.KindUser}, time.Minute, start.Add(20*time.Second))
	tests := []struct {
		name   string
		token  string
		at     time.Time
		leeway time.Duration
		ok     bool
	}{
		{"just expired, within leeway", tok, start.Add(time.Minute + 20*time.Second), 30 * time.Second, true},
		{"expired beyond leeway", tok, start.Add(time.Minute + 31*time.Second), 30 * time.Second, false},
		{"expired, no leeway", tok, start.Add(time.Minute + time.Second), 0, false},
		{"clock behind the issuer, within leeway", early, start, 30 * time.Second, true},
		{"clock behind the issuer, no leeway", early, start, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := tt.at
			v := auth.NewVerifier(newKeySource(key).fetch, auth.WithClock(func() time.Time { return at }), auth.WithLeeway(tt.leeway))
			_, err := v.Verify(context.Background(), tt.token)
			if (err == nil) != tt.ok {
				t.Fatalf("Verify err = %v, want ok = %v", err, tt.ok)
			}
		})
	}
}

func TestUnknownKidRefetchesOnceThenFails(t *testing.T) {
	clk := newClock()
	known, unknown := mustKey(t), mustKey(t)
	src := newKeySource(known)
	v := auth.NewVerifier(src.fetch, auth.WithClock(clk.Now), auth.WithRefetchInterval(30*time.Second))
	ctx := context.Background()

	if _, err := v.Verify(ctx, mustSign(t, known, auth.Caller{Subject: "u", Kind: auth.KindUser}, time.Hour, clk.Now())); err != nil {
		t.Fatal(err)
	}
	if n := src.calls.Load(); n != 1 {
		t.Fatalf("%d fetches for the first token, want 1 (lazy fetch)", n)
	}
	clk.Advance(time.Minute)
	tok := mustSign(t, unknown, auth.Caller{Subject: "u", Kind: auth.KindUser}, time.Hour, clk.Now())
	_, err := v.Verify(ctx, tok)
	assertInvalidToken(t, err, tok)
	if n := src.calls.Load(); n != 2 {
		t.Fatalf("%d fetches after an unknown kid, want 2", n)
	}
	// Right away again: the refetch is rate limited, so no new fetch.
	_, err = v.Verify(ctx, tok)
	assertInvalidToken(t, err, tok)
	if n := src.calls.Load(); n != 2 {
		t.Fatalf("%d fetches after a second unknown kid within the interval, want 2", n)
	}
}

func TestKeyRotation(t *testing.T) {
	clk := newClock()
	old, cur, next := mustKey(t), mustKey(t), mustKey(t)
	src := newKeySource(old, cur)
	v := auth.NewVerifier(src.fetch, auth.WithClock(clk.Now))
	ctx := context.Background()
	for _, k := range []auth.SigningKey{old, cur} {
		tok := mustSign(t, k, auth.Caller{Subject: "u-" + k.ID, Kind: auth.KindUser}, time.Hour, clk.Now())
		c, err := v.Verify(ctx, tok)
		if err != nil || c.Subject != "u-"+k.ID {
			t.Fatalf("token of key %s: %+v, %v", k.ID, c, err)
		}
	}
	if n := src.calls.Load(); n != 1 {
		t.Fatalf("%d fetches for two keys of one set, want 1", n)
	}

	// The issuer rotates: next signs, cur stays published for the overlap,
	// old is withdrawn. The first token of the new key brings the new set.
	src.set(cur, next)
	clk.Advance(time.Minute)
	tok := mustSign(t, next, auth.Caller{Subject: "u-next", Kind: auth.KindUser}, time.Hour, clk.Now())
	if c, err := v.Verify(ctx, tok); err != nil || c.Subject != "u-next" {
		t.Fatalf("token of the new key: %+v, %v", c, err)
	}
	if _, err := v.Verify(ctx, mustSign(t, cur, auth.Caller{Subject: "u", Kind: auth.KindUser}, time.Hour, clk.Now())); err != nil {
		t.Fatalf("token of the overlapping key: %v", err)
	}
	oldTok := mustSign(t, old, auth.Caller{Subject: "u", Kind: auth.KindUser}, time.Hour, clk.Now())
	_, err := v.Verify(ctx, oldTok)
	assertInvalidToken(t, err, oldTok)
}

func TestWithdrawnKeyStopsVerifyingAfterMaxKeyAge(t *testing.T) {
	clk := newClock()
	key, next := mustKey(t), mustKey(t)
	src := newKeySource(key)
	v := auth.NewVerifier(src.fetch, auth.WithClock(clk.Now), auth.WithMaxKeyAge(5*time.Minute))
	ctx := context.Background()
	tok := mustSign(t, key, auth.Caller{Subject: "u", Kind: auth.KindUser}, time.Hour, clk.Now())
	if _, err := v.Verify(ctx, tok); err != nil {
		t.Fatal(err)
	}
	src.set(next) // key withdrawn, say after a leak
	clk.Advance(4 * time.Minute)
	if _, err := v.Verify(ctx, tok); err != nil {
		t.Fatalf("within max age the cached key still verifies: %v", err)
	}
	clk.Advance(2 * time.Minute)
	_, err := v.Verify(ctx, tok)
	assertInvalidToken(t, err, tok)
	if n := src.calls.Load(); n != 2 {
		t.Fatalf("%d fetches, want 2", n)
	}
}

func TestRefetchRateLimit(t *testing.T) {
	clk := newClock()
	key := mustKey(t)
	src := newKeySource(key)
	v := auth.NewVerifier(src.fetch, auth.WithClock(clk.Now), auth.WithRefetchInterval(30*time.Second))
	ctx := context.Background()
	if _, err := v.Verify(ctx, mustSign(t, key, auth.Caller{Subject: "u", Kind: auth.KindUser}, time.Hour, clk.Now())); err != nil {
		t.Fatal(err)
	}

	// Tokens under forged kids: only the header matters before the fetch.
	forged := make([]string, 64)
	for i := range forged {
		forged[i] = craft(t, map[string]any{"alg": "EdDSA", "kid": fmt.Sprintf("forged-%d", i)}, goodClaims(clk.Now()), edSigner(key))
	}
	flood := func() {
		var wg sync.WaitGroup
		for _, tok := range forged {
			for range 4 {
				wg.Go(func() {
					if _, err := v.Verify(ctx, tok); !errors.Is(err, auth.ErrInvalidToken) {
						t.Errorf("forged kid: %v", err)
					}
				})
			}
		}
		wg.Wait()
	}
	for round, step := range []time.Duration{0, 10 * time.Second, 19 * time.Second, 1 * time.Second, 45 * time.Second} {
		clk.Advance(step)
		before := src.calls.Load()
		flood()
		got := src.calls.Load() - before
		// Elapsed since the last fetch: 0s, 10s, 29s → no fetch; 30s → one;
		// then 45s → one.
		want := int32(0)
		if round >= 3 {
			want = 1
		}
		if got != want {
			t.Fatalf("round %d: %d fetches for %d forged tokens, want %d", round, got, 4*len(forged), want)
		}
	}
}

func TestKeysUnavailable(t *testing.T) {
	clk := newClock()
	key := mustKey(t)
	src := newKeySource(key)
	src.fail(errors.New("users: connection refused"))
	v := auth.NewVerifier(src.fetch, auth.WithClock(clk.Now))
	ctx := context.Background()
	tok := mustSign(t, key, auth.Caller{Subject: "u", Kind: auth.KindUser}, time.Hour, clk.Now())

	_, err := v.Verify(ctx, tok)
	if !errors.Is(err, auth.ErrKeysUnavailable) || grpcerr.ToStatus(err).Code() != codes.Unavailable {
		t.Fatalf("err = %v, want ErrKeysUnavailable", err)
	}
	if strings.Contains(grpcerr.ToStatus(err).Message(), "refused") {
		t.Fatal("the fetch error leaks to the client")
	}
	// Retried after a short pause, not after the whole refetch interval, so
	// a verifier started before the users service recovers quickly.
	_, _ = v.Verify(ctx, tok)
	if n := src.calls.Load(); n != 1 {
		t.Fatalf("%d fetches right after a failure, want 1", n)
	}
	src.fail(nil)
	clk.Advance(2 * time.Second)
	if _, err := v.Verify(ctx, tok); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
}

func TestVerifyConcurrentFirstUse(t *testing.T) {
	key := mustKey(t)
	src := newKeySource(key)
	v := auth.NewVerifier(src.fetch)
	tok := mustSign(t, key, auth.Caller{Subject: "u", Kind: auth.KindUser}, time.Hour, time.Now())
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if _, err := v.Verify(context.Background(), tok); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := src.calls.Load(); n != 1 {
		t.Fatalf("%d fetches for 50 concurrent first calls, want 1", n)
	}
}

func TestUsersKeySource(t *testing.T) {
	peer := newUsersPeer(t)
	conn := dial(t, serve(t, peer))
	v := auth.NewVerifier(auth.UsersKeySource(usersClient(conn)))
	tok := mustSign(t, peer.key, auth.Caller{Subject: "u-7", Kind: auth.KindUser}, time.Minute, time.Now())
	c, err := v.Verify(context.Background(), tok)
	if err != nil || c.Subject != "u-7" {
		t.Fatalf("Verify over GetJwks: %+v, %v", c, err)
	}
}

func TestPublicJWK(t *testing.T) {
	key := mustKey(t)
	j := auth.PublicJWK("k1", key.Public())
	raw, err := json.Marshal(auth.JWKS{Keys: []auth.JWK{j}})
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"%s","kid":"k1","alg":"EdDSA","use":"sig"}]}`, enc.EncodeToString(key.Public()))
	if string(raw) != want {
		t.Fatalf("JWKS JSON = %s\nwant %s", raw, want)
	}
	if back := auth.JWKSFromProto(auth.JWKS{Keys: []auth.JWK{j}}.Proto()); !reflect.DeepEqual(back.Keys, []auth.JWK{j}) {
		t.Fatalf("proto round trip = %+v", back)
	}
}

// A token verified once is answered from memory afterwards (no signature
// check), yet everything that can change while it is remembered is still
// checked on every use: its expiry, its session's revocation and its key.
func TestARememberedTokenIsCheckedOnEveryUse(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	key, other := mustKey(t), mustKey(t)
	src := newKeySource(key)
	revoked := auth.NewRevocations()
	v := auth.NewVerifier(src.fetch, auth.WithClock(clk.Now), auth.WithRevocations(revoked),
		auth.WithLeeway(10*time.Second), auth.WithMaxKeyAge(time.Minute))
	buyer := auth.Caller{Subject: "u-1", Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}, SessionID: "s-1"}

	tok := mustSign(t, key, buyer, 10*time.Minute, clk.Now())
	first, err := v.Verify(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	first.Roles[0] = auth.RoleReviewer // a caller's changes stay its own
	again, err := v.Verify(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if n := auth.Parsed(v); n != 1 {
		t.Errorf("%d full verifications for one token used twice, want 1", n)
	}
	if !reflect.DeepEqual(again.Roles, []string{auth.RoleBuyer}) || again.Subject != "u-1" || again.SessionID != "s-1" {
		t.Errorf("remembered caller = %+v", again)
	}

	t.Run("expiry", func(t *testing.T) {
		tok := mustSign(t, key, buyer, 30*time.Second, clk.Now())
		if _, err := v.Verify(ctx, tok); err != nil {
			t.Fatal(err)
		}
		clk.Advance(39 * time.Second) // within the leeway
		if _, err := v.Verify(ctx, tok); err != nil {
			t.Fatalf("within the leeway: %v", err)
		}
		clk.Advance(time.Second)
		_, err := v.Verify(ctx, tok)
		assertInvalidToken(t, err, tok)
	})
	t.Run("revoked session", func(t *testing.T) {
		other := buyer
		other.SessionID = "s-2"
		tok := mustSign(t, key, other, time.Minute, clk.Now())
		if _, err := v.Verify(ctx, tok); err != nil {
			t.Fatal(err)
		}
		revoked.Revoke("s-2", clk.Now())
		_, err := v.Verify(ctx, tok)
		assertInvalidToken(t, err, tok)
	})
	t.Run("withdrawn key", func(t *testing.T) {
		tok := mustSign(t, key, buyer, 10*time.Minute, clk.Now())
		if _, err := v.Verify(ctx, tok); err != nil {
			t.Fatal(err)
		}
		src.set(other)
		clk.Advance(2 * time.Minute) // past the key set's max age
		_, err := v.Verify(ctx, tok)
		assertInvalidToken(t, err, tok)
	})
}
