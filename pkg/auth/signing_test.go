package auth_test

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/timestamppb"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
)

const signedMethod = "/crossdock.partner.v1.PartnerService/PushOrder"

// newKey returns a fresh request-signing key pair.
func newKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	k, err := auth.GenerateRequestKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func pub(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }

func TestSignRequest(t *testing.T) {
	key := newKey(t)
	body := []byte(`{"order":1}`)
	sig := auth.SignRequest(key, signedMethod, time.Unix(1_800_000_000, 0), "nonce-0123456789ab", body)
	raw, err := enc.DecodeString(sig)
	if err != nil {
		t.Fatalf("signature %q is not unpadded base64url: %v", sig, err)
	}
	// Checked independently of the package, from the documented formula.
	sum := sha256.Sum256(body)
	msg := signedMethod + "\n1800000000\nnonce-0123456789ab\n" + hex.EncodeToString(sum[:])
	if !ed25519.Verify(pub(key), []byte(msg), raw) {
		t.Fatal("SignRequest is not the Ed25519 signature of method, timestamp, nonce and body hash")
	}
}

func TestRequestKeyFormats(t *testing.T) {
	key := newKey(t)
	privPEM, err := auth.EncodeRequestPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM, err := auth.EncodeRequestPublicKey(pub(key))
	if err != nil {
		t.Fatal(err)
	}
	seed := key.Seed()
	privTests := []struct {
		name string
		text string
		ok   bool
	}{
		{"PKCS#8 PEM", privPEM, true},
		{"PEM with surrounding blank lines", "\n" + privPEM + "\n", true},
		{"base64 seed", base64.StdEncoding.EncodeToString(seed), true},
		{"unpadded base64url seed", enc.EncodeToString(seed), true},
		{"public key PEM", pubPEM, false},
		{"short seed", base64.StdEncoding.EncodeToString(seed[:31]), false},
		{"the 64-byte private key", base64.StdEncoding.EncodeToString(key), false},
		{"garbage", "not a key", false},
	}
	for _, tt := range privTests {
		t.Run("private/"+tt.name, func(t *testing.T) {
			got, err := auth.ParseRequestPrivateKey(tt.text)
			if !tt.ok {
				if !errors.Is(err, auth.ErrNotEd25519Key) {
					t.Fatalf("ParseRequestPrivateKey = %v, want ErrNotEd25519Key", err)
				}
				return
			}
			if err != nil || !key.Equal(got) {
				t.Fatalf("ParseRequestPrivateKey = %x, %v; want the key back", got, err)
			}
		})
	}
	pubTests := []struct {
		name string
		text string
		ok   bool
	}{
		{"PKIX PEM", pubPEM, true},
		{"base64", base64.StdEncoding.EncodeToString(pub(key)), true},
		{"unpadded base64url", enc.EncodeToString(pub(key)), true},
		{"private key PEM", privPEM, false},
		{"33 bytes", base64.StdEncoding.EncodeToString(append(pub(key), 0)), false},
		{"empty", "", false},
	}
	for _, tt := range pubTests {
		t.Run("public/"+tt.name, func(t *testing.T) {
			got, err := auth.ParseRequestPublicKey(tt.text)
			if !tt.ok {
				if !errors.Is(err, auth.ErrNotEd25519Key) {
					t.Fatalf("ParseRequestPublicKey = %v, want ErrNotEd25519Key", err)
				}
				return
			}
			if err != nil || !pub(key).Equal(got) {
				t.Fatalf("ParseRequestPublicKey = %x, %v; want the key back", got, err)
			}
		})
	}
}

// partnerKeys is a KeyLookup over a fixed table of partner clients.
func partnerKeys(keys map[string][]ed25519.PublicKey) auth.KeyLookup {
	return func(_ context.Context, clientID string) (auth.APIClient, error) {
		k, ok := keys[clientID]
		if !ok {
			return auth.APIClient{}, apperr.NotFound("api client", clientID)
		}
		return auth.APIClient{Keys: k, Roles: []string{auth.RolePartner}}, nil
	}
}

func TestRequestVerifier(t *testing.T) {
	clk := newClock()
	current, previous, stranger := newKey(t), newKey(t), newKey(t)
	v := &auth.RequestVerifier{
		Keys:   partnerKeys(map[string][]ed25519.PublicKey{"p-1": {pub(current), pub(previous)}, "p-2": {pub(current)}}),
		Nonces: auth.NewMemoryNonceStore(auth.WithNonceClock(clk.Now)),
		Now:    clk.Now,
	}
	body := []byte("order payload")
	ctx := context.Background()

	type req struct {
		client, method, ts, nonce, sig string
		body                           []byte
	}
	seq := 0
	signed := func(key ed25519.PrivateKey, at time.Time, mutate func(*req)) req {
		seq++
		nonce := "nonce-" + strconv.Itoa(seq) + "-abcdefghijkl"
		r := req{"p-1", signedMethod, strconv.FormatInt(at.Unix(), 10), nonce, auth.SignRequest(key, signedMethod, at, nonce, body), body}
		if mutate != nil {
			mutate(&r)
		}
		return r
	}
	now := clk.Now()
	replayed := signed(current, now, nil)

	tests := []struct {
		name string
		r    req
		want error // nil, or the sentinel expected under errors.Is
	}{
		{"valid", signed(current, now, nil), nil},
		{"previous key during overlap", signed(previous, now, nil), nil},
		{"clock 4m ahead", signed(current, now.Add(4*time.Minute), nil), nil},
		{"clock 4m behind", signed(current, now.Add(-4*time.Minute), nil), nil},
		{"previous key of another client", signed(previous, now, func(r *req) { r.client = "p-2" }), auth.ErrBadSignature},
		{"wrong key", signed(stranger, now, nil), auth.ErrBadSignature},
		{"signed with the stored public key as a seed", signed(ed25519.NewKeyFromSeed(pub(current)), now, nil), auth.ErrBadSignature},
		{"HMAC under the stored public key", signed(current, now, func(r *req) {
			m := hmac.New(sha256.New, pub(current))
			m.Write([]byte(auth.StringToSign(r.method, now.Unix(), r.nonce, r.body)))
			r.sig = enc.EncodeToString(m.Sum(nil))
		}), auth.ErrBadSignature},
		{"body changed", signed(current, now, func(r *req) { r.body = []byte("order payload!") }), auth.ErrBadSignature},
		{"method changed", signed(current, now, func(r *req) { r.method = "/crossdock.partner.v1.PartnerService/CancelOrder" }), auth.ErrBadSignature},
		{"nonce changed", signed(current, now, func(r *req) { r.nonce += "x" }), auth.ErrBadSignature},
		{"timestamp changed", signed(current, now, func(r *req) { r.ts = strconv.FormatInt(now.Unix()+1, 10) }), auth.ErrBadSignature},
		{"timestamp 6m old", signed(current, now.Add(-6*time.Minute), nil), auth.ErrStaleTimestamp},
		{"timestamp 6m ahead", signed(current, now.Add(6*time.Minute), nil), auth.ErrStaleTimestamp},
		{"timestamp not a number", signed(current, now, func(r *req) { r.ts = "yesterday" }), auth.ErrBadSignature},
		{"timestamp not canonical", signed(current, now, func(r *req) { r.ts = "+" + r.ts }), auth.ErrBadSignature},
		{"signature too long", signed(current, now, func(r *req) { r.sig += "AAAA" }), auth.ErrBadSignature},
		{"unknown client", signed(current, now, func(r *req) { r.client = "p-404" }), auth.ErrBadSignature},
		{"signature not base64", signed(current, now, func(r *req) { r.sig = "!!" }), auth.ErrBadSignature},
		{"short nonce", signed(current, now, func(r *req) { r.nonce = "n1" }), auth.ErrBadSignature},
		{"nonce with newline", signed(current, now, func(r *req) { r.nonce = "abcdefgh\nijklmnopq" }), auth.ErrBadSignature},
		{"first use of a nonce", replayed, nil},
		{"replayed nonce", replayed, auth.ErrReplayedNonce},
		{"replayed as another client holding the same key", func() req { r := replayed; r.client = "p-2"; return r }(), auth.ErrReplayedNonce},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := v.Verify(ctx, tt.r.client, tt.r.method, tt.r.ts, tt.r.nonce, tt.r.sig, tt.r.body)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				sent, _ := strconv.ParseInt(tt.r.ts, 10, 64)
				want := auth.Caller{Subject: tt.r.client, Kind: auth.KindAPIClient, Roles: []string{auth.RolePartner},
					ExpiresAt: time.Unix(sent, 0).Add(auth.DefaultSkew)}
				if !reflect.DeepEqual(c, want) {
					t.Fatalf("caller %+v, want %+v", c, want)
				}
				return
			}
			if !errors.Is(err, tt.want) || codeOf(err) != codes.Unauthenticated {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestForgedRequestDoesNotBurnNonce(t *testing.T) {
	clk := newClock()
	key := newKey(t)
	v := &auth.RequestVerifier{
		Keys:   partnerKeys(map[string][]ed25519.PublicKey{"p-1": {pub(key)}}),
		Nonces: auth.NewMemoryNonceStore(auth.WithNonceClock(clk.Now)),
		Now:    clk.Now,
	}
	ctx := context.Background()
	nonce, ts := "seen-on-the-wire-0001", strconv.FormatInt(clk.Now().Unix(), 10)
	forged := auth.SignRequest(newKey(t), signedMethod, clk.Now(), nonce, []byte("evil"))
	if _, err := v.Verify(ctx, "p-1", signedMethod, ts, nonce, forged, []byte("evil")); !errors.Is(err, auth.ErrBadSignature) {
		t.Fatalf("forged request: %v", err)
	}
	genuine := auth.SignRequest(key, signedMethod, clk.Now(), nonce, []byte("good"))
	if _, err := v.Verify(ctx, "p-1", signedMethod, ts, nonce, genuine, []byte("good")); err != nil {
		t.Fatalf("the genuine request was refused after a forgery with its nonce: %v", err)
	}
}

func TestRequestVerifierLookupFailureIsNotBadSignature(t *testing.T) {
	v := &auth.RequestVerifier{
		Keys: func(context.Context, string) (auth.APIClient, error) {
			return auth.APIClient{}, apperr.Unavailable("users unreachable")
		},
		Nonces: auth.NewMemoryNonceStore(),
	}
	now := time.Now()
	sig := auth.SignRequest(newKey(t), signedMethod, now, "nonce-abcdefghijkl", nil)
	_, err := v.Verify(context.Background(), "p-1", signedMethod, strconv.FormatInt(now.Unix(), 10), "nonce-abcdefghijkl", sig, nil)
	if codeOf(err) != codes.Unavailable {
		t.Fatalf("lookup outage: %v, want Unavailable", err)
	}
}

func TestSignedInterceptors(t *testing.T) {
	key := newKey(t)
	peer := newUsersPeer(t)
	v := &auth.RequestVerifier{
		Keys:   partnerKeys(map[string][]ed25519.PublicKey{"p-1": {pub(key)}}),
		Nonces: auth.NewMemoryNonceStore(),
	}
	addr := serve(t, peer, grpc.ChainUnaryInterceptor(auth.SignedUnaryServerInterceptor(v)))
	ctx := context.Background()

	good := usersClient(dial(t, addr, grpc.WithChainUnaryInterceptor(auth.SignedUnaryClientInterceptor("p-1", key))))
	resp, err := good.GetMe(ctx, &usersv1.GetMeRequest{})
	if err != nil || resp.GetUser().GetUserId() != "p-1" {
		t.Fatalf("signed call: %v, %v", resp, err)
	}
	// Every call gets a fresh nonce, so repeating a call is not a replay.
	if _, err := good.Login(ctx, &usersv1.LoginRequest{Email: "a@example.com", Password: "pw"}); err != nil {
		t.Fatalf("second signed call: %v", err)
	}
	if c := peer.loginSaw.Load(); c.Kind != auth.KindAPIClient || c.Subject != "p-1" {
		t.Fatalf("handler saw %+v", c)
	}

	// Probes carry no signature and must still get through.
	if resp, err := healthpb.NewHealthClient(dial(t, addr)).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health behind the signed interceptor: %v, %v", resp, err)
	}

	for name, conn := range map[string]*grpc.ClientConn{
		"wrong key": dial(t, addr, grpc.WithChainUnaryInterceptor(auth.SignedUnaryClientInterceptor("p-1", newKey(t)))),
		"unknown":   dial(t, addr, grpc.WithChainUnaryInterceptor(auth.SignedUnaryClientInterceptor("p-9", key))),
		"unsigned":  dial(t, addr),
	} {
		if _, err := usersClient(conn).GetMe(ctx, &usersv1.GetMeRequest{}); codeOf(err) != codes.Unauthenticated {
			t.Errorf("%s: %v, want Unauthenticated", name, err)
		}
	}

	// The body is the request message: a relay changing a field breaks the
	// signature. Sign one message, send another.
	tamper := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		req.(*usersv1.LoginRequest).Email = "mallory@example.com"
		return invoker(ctx, method, req, reply, cc, opts...)
	}
	tampered := usersClient(dial(t, addr, grpc.WithChainUnaryInterceptor(auth.SignedUnaryClientInterceptor("p-1", key), tamper)))
	if _, err := tampered.Login(ctx, &usersv1.LoginRequest{Email: "a@example.com"}); codeOf(err) != codes.Unauthenticated {
		t.Fatalf("tampered body: %v, want Unauthenticated", err)
	}
}

func TestUsersKeyLookup(t *testing.T) {
	now := time.Now()
	peer := newUsersPeer(t)
	current, previous, expired := pub(newKey(t)), pub(newKey(t)), pub(newKey(t))
	peer.apiKeys = map[string]*usersv1.GetApiClientKeysResponse{
		"p-1": {Client: &usersv1.ApiClient{ClientId: "p-1", Kind: usersv1.ApiClientKind_API_CLIENT_KIND_PARTNER}, Keys: []*usersv1.SigningKey{
			{PublicKey: current},
			{PublicKey: previous, ExpiresAt: timestamppb.New(now.Add(time.Hour))},
			{PublicKey: expired, ExpiresAt: timestamppb.New(now.Add(-time.Minute))},
			{PublicKey: []byte("not a public key")},
		}},
		"p-off": {Client: &usersv1.ApiClient{ClientId: "p-off", Kind: usersv1.ApiClientKind_API_CLIENT_KIND_PARTNER, Disabled: true}, Keys: []*usersv1.SigningKey{{PublicKey: current}}},
		"erp-1": {Client: &usersv1.ApiClient{ClientId: "erp-1", Kind: usersv1.ApiClientKind_API_CLIENT_KIND_ERP, OrganizationId: "org-7"}, Keys: []*usersv1.SigningKey{{PublicKey: current}}},
		"odd":   {Client: &usersv1.ApiClient{ClientId: "odd"}, Keys: []*usersv1.SigningKey{{PublicKey: current}}},
		"nokey": {Client: &usersv1.ApiClient{ClientId: "nokey", Kind: usersv1.ApiClientKind_API_CLIENT_KIND_PARTNER}, Keys: []*usersv1.SigningKey{{PublicKey: []byte("short")}}},
	}
	addr := serve(t, peer, grpc.ChainUnaryInterceptor(
		auth.UnaryServerInterceptor(auth.NewVerifier(auth.StaticKeySource(peer.key.JWK())), publicUsersMethods...)))
	svc := auth.NewServiceTokenSource(usersClient(dial(t, addr)), peer.clientID, peer.secret)
	lookup := auth.UsersKeyLookup(usersClient(dial(t, addr, grpc.WithPerRPCCredentials(svc.PerRPCCredentials()))), time.Minute)
	ctx := context.Background()

	p1, err := lookup(ctx, "p-1")
	if keys := p1.Keys; err != nil || len(keys) != 2 || !keys[0].Equal(current) || !keys[1].Equal(previous) {
		t.Fatalf("keys = %x, %v; want current and previous, not the expired or malformed ones", keys, err)
	}
	if !reflect.DeepEqual(p1.Roles, []string{auth.RolePartner}) || p1.OrganizationID != "" {
		t.Fatalf("partner client acts as %v of %q", p1.Roles, p1.OrganizationID)
	}
	erp, err := lookup(ctx, "erp-1")
	if err != nil || !reflect.DeepEqual(erp.Roles, []string{auth.RoleERP}) || erp.OrganizationID != "org-7" {
		t.Fatalf("ERP client = %+v, %v; want role erp for org-7", erp, err)
	}
	if _, err := lookup(ctx, "odd"); apperr.KindOf(err) != apperr.KindUnauthenticated {
		t.Fatalf("client of no known kind: %v, want Unauthenticated", err)
	}
	if _, err := lookup(ctx, "p-1"); err != nil || peer.keyCalls.Load() != 3 {
		t.Fatalf("second lookup: %v after %d calls, want a cache hit", err, peer.keyCalls.Load())
	}
	if _, err := lookup(ctx, "nokey"); apperr.KindOf(err) != apperr.KindUnauthenticated {
		t.Fatalf("client with no well-formed public key: %v, want Unauthenticated", err)
	}
	if _, err := lookup(ctx, "p-404"); apperr.KindOf(err) != apperr.KindNotFound {
		t.Fatalf("unknown client: %v", err)
	}
	if _, err := lookup(ctx, "p-off"); apperr.KindOf(err) != apperr.KindUnauthenticated {
		t.Fatalf("disabled client: %v", err)
	}
	// Refusals are remembered too: an integration retrying with an unknown
	// or disabled client costs users one call per ttl.
	calls := peer.keyCalls.Load()
	for _, id := range []string{"p-404", "p-off", "nokey", "odd"} {
		if _, err := lookup(ctx, id); err == nil {
			t.Fatalf("%s looked up again: found", id)
		}
	}
	if _, err := lookup(ctx, "p-404"); apperr.KindOf(err) != apperr.KindNotFound || peer.keyCalls.Load() != calls {
		t.Fatalf("refusals looked up again: %v after %d calls, want NotFound from the cache after %d", err, peer.keyCalls.Load(), calls)
	}

	// Without a service token the users service refuses: an outage of ours,
	// not the partner's bad signature.
	anon := auth.UsersKeyLookup(usersClient(dial(t, addr)), time.Minute)
	if _, err := anon(ctx, "p-1"); apperr.KindOf(err) != apperr.KindUnavailable {
		t.Fatalf("lookup without a service token: %v, want Unavailable", err)
	}
}

// Requests arriving together for a client not cached share one call to
// users, and a caller giving up does not fail the others waiting with it.
func TestUsersKeyLookupSharesOneCall(t *testing.T) {
	peer := newUsersPeer(t)
	peer.apiKeys = map[string]*usersv1.GetApiClientKeysResponse{
		"p-1": {Client: &usersv1.ApiClient{ClientId: "p-1", Kind: usersv1.ApiClientKind_API_CLIENT_KIND_PARTNER},
			Keys: []*usersv1.SigningKey{{PublicKey: pub(newKey(t))}}},
	}
	peer.keysHeld = make(chan struct{})
	addr := serve(t, peer, grpc.ChainUnaryInterceptor(
		auth.UnaryServerInterceptor(auth.NewVerifier(auth.StaticKeySource(peer.key.JWK())), publicUsersMethods...)))
	svc := auth.NewServiceTokenSource(usersClient(dial(t, addr)), peer.clientID, peer.secret)
	lookup := auth.UsersKeyLookup(usersClient(dial(t, addr, grpc.WithPerRPCCredentials(svc.PerRPCCredentials()))), time.Minute)

	first, giveUp := context.WithCancel(context.Background())
	gaveUp := make(chan error, 1)
	go func() {
		_, err := lookup(first, "p-1")
		gaveUp <- err
	}()
	for peer.keyCalls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	const callers = 8
	errs := make(chan error, callers)
	for range callers {
		go func() {
			client, err := lookup(context.Background(), "p-1")
			if err == nil && len(client.Keys) != 1 {
				err = fmt.Errorf("keys %x, want the client's one", client.Keys)
			}
			errs <- err
		}()
	}
	giveUp()
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Fatalf("the caller that gave up: %v, want its own cancellation", err)
	}
	time.Sleep(100 * time.Millisecond) // the callers waiting on the call in flight
	close(peer.keysHeld)
	for range callers {
		if err := <-errs; err != nil {
			t.Fatalf("a caller waiting with the one that gave up: %v", err)
		}
	}
	if n := peer.keyCalls.Load(); n != 1 {
		t.Fatalf("%d callers together made %d calls to users, want 1", callers+1, n)
	}
}

// TestSignedOrBearer serves bearer tokens and signed requests on one server:
// each call is judged by the credential it names, and naming a signing client
// without a valid signature cannot fall back to a bearer token.
func TestSignedOrBearer(t *testing.T) {
	key := newKey(t)
	peer := newUsersPeer(t)
	signed := auth.SignedUnaryServerInterceptor(&auth.RequestVerifier{
		Keys: func(_ context.Context, id string) (auth.APIClient, error) {
			if id != "erp-1" {
				return auth.APIClient{}, apperr.NotFound("api client", id)
			}
			return auth.APIClient{Keys: []ed25519.PublicKey{pub(key)}, Roles: []string{auth.RoleERP}, OrganizationID: "org-7"}, nil
		},
		Nonces: auth.NewMemoryNonceStore(),
	}, publicUsersMethods...)
	bearerOnly := auth.UnaryServerInterceptor(auth.NewVerifier(auth.StaticKeySource(peer.key.JWK())), publicUsersMethods...)
	addr := serve(t, peer, grpc.ChainUnaryInterceptor(auth.SignedOrBearerUnaryServerInterceptor(signed, bearerOnly)))
	ctx := context.Background()

	erp := usersClient(dial(t, addr, grpc.WithChainUnaryInterceptor(auth.SignedUnaryClientInterceptor("erp-1", key))))
	me, err := erp.GetMe(ctx, &usersv1.GetMeRequest{})
	if u := me.GetUser(); err != nil || u.GetUserId() != "erp-1" || !reflect.DeepEqual(u.GetRoles(), []string{auth.RoleERP}) || u.GetOrganizationId() != "org-7" {
		t.Fatalf("signed call: %v, %v; want the ERP client of org-7", me, err)
	}

	user := auth.Caller{Subject: "u-1", Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}}
	token := mustSign(t, peer.key, user, time.Minute, time.Now())
	plain := usersClient(dial(t, addr))
	if me, err := plain.GetMe(bearer(ctx, token), &usersv1.GetMeRequest{}); err != nil || me.GetUser().GetUserId() != "u-1" {
		t.Fatalf("bearer call: %v, %v", me, err)
	}

	// A valid token does not rescue a call that names a client it cannot
	// prove; nor does anything get through with no credential.
	downgrade := metadata.AppendToOutgoingContext(bearer(ctx, token), auth.ClientIDHeader, "erp-1")
	if _, err := plain.GetMe(downgrade, &usersv1.GetMeRequest{}); codeOf(err) != codes.Unauthenticated {
		t.Fatalf("client id with a bearer token and no signature: %v, want Unauthenticated", err)
	}
	if _, err := plain.GetMe(ctx, &usersv1.GetMeRequest{}); codeOf(err) != codes.Unauthenticated {
		t.Fatalf("no credential: %v, want Unauthenticated", err)
	}
}

// untilSpy is a nonce store that records until when it was asked to
// remember each nonce.
type untilSpy struct{ until []time.Time }

func (s *untilSpy) Remember(_ context.Context, _, _ string, until time.Time) (bool, error) {
	s.until = append(s.until, until)
	return true, nil
}

// A nonce is remembered beyond the last moment its request could be
// accepted (its timestamp Skew old), by a margin for a store whose clock
// runs ahead (the database's). Before, a request signed Skew ahead was
// remembered until exactly that moment: a database clock any ahead of the
// verifier's forgot it while it could still be replayed.
func TestANonceOutlivesItsRequest(t *testing.T) {
	clk := newClock()
	key := newKey(t)
	spy := &untilSpy{}
	v := &auth.RequestVerifier{Keys: partnerKeys(map[string][]ed25519.PublicKey{"p-1": {pub(key)}}), Nonces: spy, Now: clk.Now}
	for i, ahead := range []time.Duration{auth.DefaultSkew, 0, -auth.DefaultSkew} {
		at := clk.Now().Add(ahead).Truncate(time.Second)
		nonce := "nonce-" + strconv.Itoa(i) + "-abcdefghijkl"
		body := []byte("payload")
		sig := auth.SignRequest(key, signedMethod, at, nonce, body)
		if _, err := v.Verify(context.Background(), "p-1", signedMethod, strconv.FormatInt(at.Unix(), 10), nonce, sig, body); err != nil {
			t.Fatalf("signed %v ahead: %v", ahead, err)
		}
		if last := at.Add(auth.DefaultSkew); !spy.until[i].After(last) {
			t.Errorf("signed %v ahead: remembered until %v, not beyond %v, the last moment it is accepted", ahead, spy.until[i], last)
		}
	}
}
