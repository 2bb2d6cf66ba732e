package auth_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/auth"
)

func TestTokenSourceCachesAndRenews(t *testing.T) {
	clk := newClock()
	peer := newUsersPeer(t)
	peer.now = clk.Now
	ts := auth.NewServiceTokenSource(usersClient(dial(t, serve(t, peer))), peer.clientID, peer.secret, auth.WithTokenClock(clk.Now))
	ctx := context.Background()
	v := auth.NewVerifier(auth.StaticKeySource(peer.key.JWK()), auth.WithClock(clk.Now))

	// Many callers at once share one exchange.
	var wg sync.WaitGroup
	tokens := make([]string, 20)
	for i := range tokens {
		wg.Go(func() {
			tok, err := ts.Token(ctx)
			if err != nil {
				t.Error(err)
			}
			tokens[i] = tok
		})
	}
	wg.Wait()
	if n := peer.issued.Load(); n != 1 {
		t.Fatalf("%d exchanges for 20 concurrent callers, want 1", n)
	}
	first := tokens[0]
	c, err := v.Verify(ctx, first)
	if err != nil || c.Subject != peer.clientID || c.Kind != auth.KindService || !c.HasRole(auth.RoleService) {
		t.Fatalf("service token: %+v, %v", c, err)
	}

	steps := []struct {
		advance time.Duration
		renewed bool
	}{
		{10 * time.Minute, false},               // 10m of 15m: cached
		{3*time.Minute + 59*time.Second, false}, // 13m59s: still cached
		{time.Second, true},                     // 14m: one minute left, renewed
		{time.Minute, false},                    // the new one is cached
	}
	prev := first
	for i, s := range steps {
		clk.Advance(s.advance)
		before := peer.issued.Load()
		tok, err := ts.Token(ctx)
		if err != nil {
			t.Fatal(err)
		}
		renewed := peer.issued.Load() > before
		if renewed != s.renewed || (tok != prev) != s.renewed {
			t.Fatalf("step %d: renewed = %v (new token %v), want %v", i, renewed, tok != prev, s.renewed)
		}
		if _, err := v.Verify(ctx, tok); err != nil {
			t.Fatalf("step %d: the token handed out does not verify: %v", i, err)
		}
		prev = tok
	}
}

func TestTokenSourceBadSecret(t *testing.T) {
	peer := newUsersPeer(t)
	ts := auth.NewServiceTokenSource(usersClient(dial(t, serve(t, peer))), peer.clientID, "wrong")
	_, err := ts.Token(context.Background())
	if codeOf(err) != codes.Unauthenticated {
		t.Fatalf("Token with a wrong secret: %v", err)
	}
}

func TestPerRPCCredentials(t *testing.T) {
	peer := newUsersPeer(t)
	addr := serve(t, peer, grpc.ChainUnaryInterceptor(
		auth.UnaryServerInterceptor(auth.NewVerifier(auth.StaticKeySource(peer.key.JWK())), publicUsersMethods...)))

	// One connection both exchanges the credentials and carries the
	// resulting token, as a service's connection to users does.
	var ts *auth.TokenSource
	creds := lazyCreds{get: func() *auth.TokenSource { return ts }}
	conn := dial(t, addr, grpc.WithPerRPCCredentials(creds))
	ts = auth.NewServiceTokenSource(usersClient(conn), peer.clientID, peer.secret)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := usersClient(conn).GetMe(ctx, &usersv1.GetMeRequest{})
	if err != nil || resp.GetUser().GetUserId() != peer.clientID {
		t.Fatalf("GetMe with a service token: %v, %v", resp, err)
	}
	if _, err := usersClient(conn).GetMe(ctx, &usersv1.GetMeRequest{}); err != nil {
		t.Fatal(err)
	}
	if n := peer.issued.Load(); n != 1 {
		t.Fatalf("%d exchanges for two calls, want 1", n)
	}
}

// lazyCreds defers to a token source built after the connection that it
// uses itself.
type lazyCreds struct{ get func() *auth.TokenSource }

func (l lazyCreds) GetRequestMetadata(ctx context.Context, uri ...string) (map[string]string, error) {
	return l.get().PerRPCCredentials().GetRequestMetadata(ctx, uri...)
}

func (l lazyCreds) RequireTransportSecurity() bool { return false }

func TestForwardAuthorization(t *testing.T) {
	// Two hops: a front service whose GetMe asks a back service. Both verify
	// tokens; the front's connection to the back forwards the incoming token
	// and would otherwise send the front's service token.
	back := newUsersPeer(t)
	backAddr := serve(t, back, grpc.ChainUnaryInterceptor(
		auth.UnaryServerInterceptor(auth.NewVerifier(auth.StaticKeySource(back.key.JWK())), publicUsersMethods...)))

	svcTokens := auth.NewServiceTokenSource(usersClient(dial(t, backAddr)), back.clientID, back.secret)
	toBack := dial(t, backAddr,
		grpc.WithChainUnaryInterceptor(auth.ForwardAuthorization()),
		grpc.WithPerRPCCredentials(svcTokens.PerRPCCredentials()))

	front := newUsersPeer(t)
	front.key = back.key // one issuer for the whole mesh
	front.next = usersClient(toBack)
	frontClient := protectedUsers(t, front)

	user := mustSign(t, back.key, auth.Caller{Subject: "u-42", Kind: auth.KindUser}, time.Minute, time.Now())
	resp, err := frontClient.GetMe(bearer(context.Background(), user), &usersv1.GetMeRequest{})
	if err != nil || resp.GetUser().GetUserId() != "u-42" {
		t.Fatalf("forwarded call: %v, %v; the back service must see the user", resp, err)
	}
	if back.issued.Load() != 0 {
		t.Fatal("a service token was fetched although the user's token was forwarded")
	}

	// Without an incoming token (a background job), the service acts as itself.
	resp, err = usersClient(toBack).GetMe(context.Background(), &usersv1.GetMeRequest{})
	if err != nil || resp.GetUser().GetUserId() != back.clientID {
		t.Fatalf("own call: %v, %v", resp, err)
	}
}

func TestTokenSourceKeepsValidTokenWhenRenewalFails(t *testing.T) {
	clk := newClock()
	peer := newUsersPeer(t)
	peer.now = clk.Now
	ts := auth.NewServiceTokenSource(usersClient(dial(t, serve(t, peer))), peer.clientID, peer.secret, auth.WithTokenClock(clk.Now))
	ctx := context.Background()
	first, err := ts.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	peer.refuse.Store(true) // every exchange now fails
	clk.Advance(14*time.Minute + 30*time.Second)
	if tok, err := ts.Token(ctx); err != nil || tok != first {
		t.Fatalf("due for renewal, renewal failing, token still valid: %v, %v", tok == first, err)
	}
	clk.Advance(31 * time.Second)
	if _, err := ts.Token(ctx); codeOf(err) != codes.Unauthenticated {
		t.Fatalf("expired and renewal failing: %v, want the exchange's error", err)
	}
}
