package grpcapi_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/users/internal/ports/grpcapi"
)

// TestLogoutEndsTheAccessTokenAtOnce runs the whole revocation path as the
// runtime wires it: Logout commits SessionRevoked to the outbox, the relay
// publishes it on the USERS stream of a real NATS server, and the server's
// verifier, following that stream, refuses the session's unexpired access
// token while another login of the same account keeps working.
func TestLogoutEndsTheAccessTokenAtOnce(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pool, svc := newService(t)
	_, _, js := testkit.JetStream(t)
	if _, err := natsx.EnsureStream(ctx, js, natsx.AreaStream("users")); err != nil {
		t.Fatal(err)
	}
	log := testkit.Logger(t)
	relay := &outbox.Relay{Pool: pool, JS: js, Log: log}
	revoked := auth.NewRevocations()
	workers := make(chan error, 2)
	go func() { workers <- relay.Run(ctx) }()
	go func() { workers <- revoked.Follow(ctx, js, log) }()
	t.Cleanup(func() {
		cancel()
		for range 2 {
			if err := <-workers; err != nil {
				t.Errorf("worker: %v", err)
			}
		}
	})

	v := auth.NewVerifier(svc.JWKS, auth.WithRevocations(revoked))
	conn := testkit.ServeAPIVerified(t, "users", v, grpcapi.PublicMethods, grpcapi.New(svc).Register)
	c := usersv1.NewUsersServiceClient(conn)

	signUp(t, c, "ann@example.com", usersv1.AccountType_ACCOUNT_TYPE_BUYER)
	laptop := login(t, c, "ann@example.com", password)
	phone := login(t, c, "ann@example.com", password)
	for _, p := range []*usersv1.TokenPair{laptop, phone} {
		if _, err := c.GetMe(bearer(p.GetAccessToken()), &usersv1.GetMeRequest{}); err != nil {
			t.Fatalf("GetMe before logout: %v", err)
		}
	}

	if _, err := c.Logout(bearer(laptop.GetAccessToken()), &usersv1.LogoutRequest{RefreshToken: laptop.GetRefreshToken()}); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	// The event travels through the relay and NATS: wait for the refusal,
	// bounded far below the token's 15 minutes.
	deadline := time.After(20 * time.Second)
	poll := time.NewTicker(10 * time.Millisecond)
	defer poll.Stop()
	for {
		_, err := c.GetMe(bearer(laptop.GetAccessToken()), &usersv1.GetMeRequest{})
		if err != nil {
			wantCode(t, err, codes.Unauthenticated)
			break
		}
		select {
		case <-deadline:
			t.Fatal("the logged-out session's access token is still accepted")
		case <-poll.C:
		}
	}
	if _, err := c.GetMe(bearer(phone.GetAccessToken()), &usersv1.GetMeRequest{}); err != nil {
		t.Fatalf("the other session's token after logout: %v", err)
	}
}
