package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/testkit"
)

// publishRevoked publishes the users service's SessionRevoked event.
func publishRevoked(t *testing.T, js jetstream.JetStream, sid string, at time.Time) {
	t.Helper()
	data, err := proto.Marshal(&usersv1.SessionRevoked{
		SessionId: sid, UserId: "u-1", Reason: "logout", OccurredAt: timestamppb.New(at),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(context.Background(), auth.SessionRevokedSubject, data); err != nil {
		t.Fatal(err)
	}
}

// waitRefused verifies token until the verifier refuses it, failing the
// test if that takes longer than a generous bound.
func waitRefused(t *testing.T, v *auth.Verifier, token string) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	poll := time.NewTicker(10 * time.Millisecond)
	defer poll.Stop()
	for {
		_, err := v.Verify(context.Background(), token)
		if err != nil {
			assertInvalidToken(t, err, token)
			return
		}
		select {
		case <-deadline:
			t.Fatal("a token of the revoked session is still accepted")
		case <-poll.C:
		}
	}
}

func TestRevokedSessionRefusedAtOnce(t *testing.T) {
	_, _, js := testkit.JetStream(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	key := mustKey(t)
	now := time.Now()
	token := func(sid string) string {
		return mustSign(t, key, auth.Caller{Subject: "u-1", Kind: auth.KindUser, SessionID: sid}, auth.AccessTokenTTL, now)
	}
	before, after, other := token("s-before"), token("s-after"), token("s-other")
	service := mustSign(t, key, auth.Caller{Subject: "svc", Kind: auth.KindService}, auth.AccessTokenTTL, now)

	revoked := auth.NewRevocations()
	v := auth.NewVerifier(auth.StaticKeySource(key.JWK()), auth.WithRevocations(revoked))
	for _, tok := range []string{before, after, other, service} {
		if _, err := v.Verify(ctx, tok); err != nil {
			t.Fatalf("before any revocation: %v", err)
		}
	}

	// The follower starts before the users service created its stream, and
	// waits for it.
	done := make(chan error, 1)
	go func() { done <- revoked.Follow(ctx, js, testkit.Logger(t)) }()
	if _, err := natsx.EnsureStream(ctx, js, natsx.AreaStream("users")); err != nil {
		t.Fatal(err)
	}
	// An old revocation, whose tokens have all expired, is skipped; a recent
	// one is read from the stream's history; a new one arrives live.
	publishRevoked(t, js, "s-long-ago", now.Add(-2*auth.AccessTokenTTL))
	publishRevoked(t, js, "s-before", now)
	waitRefused(t, v, before)
	publishRevoked(t, js, "s-after", time.Now())
	waitRefused(t, v, after)

	if c, err := v.Verify(ctx, other); err != nil || c.SessionID != "s-other" {
		t.Fatalf("another session's token: %+v, %v", c, err)
	}
	if _, err := v.Verify(ctx, service); err != nil {
		t.Fatalf("a service token (no session): %v", err)
	}
	if revoked.Revoked("s-long-ago") {
		t.Error("a revocation older than any token is remembered")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Follow: %v", err)
	}
}

func TestFollowReadsHistoryOfOneTokenLifetime(t *testing.T) {
	_, _, js := testkit.JetStream(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := natsx.EnsureStream(ctx, js, natsx.AreaStream("users")); err != nil {
		t.Fatal(err)
	}
	publishRevoked(t, js, "s-1", time.Now())

	// A verifier started after the revocation (a new replica) still
	// refuses the session's tokens.
	key := mustKey(t)
	revoked := auth.NewRevocations()
	v := auth.NewVerifier(auth.StaticKeySource(key.JWK()), auth.WithRevocations(revoked))
	select {
	case <-revoked.CaughtUp():
		t.Fatal("caught up before following")
	default:
	}
	go func() { _ = revoked.Follow(ctx, js, testkit.Logger(t)) }()
	select {
	case <-revoked.CaughtUp():
	case <-time.After(20 * time.Second):
		t.Fatal("never caught up with the history")
	}
	// Caught up: the history's revocation is in, at once.
	if _, err := v.Verify(ctx, mustSign(t, key, auth.Caller{Subject: "u-1", Kind: auth.KindUser, SessionID: "s-1"}, auth.AccessTokenTTL, time.Now())); err == nil {
		t.Fatal("caught up, yet a token of the revoked session is accepted")
	}
}

// With nothing revoked in the window, following is caught up at once.
func TestFollowWithNoHistoryIsCaughtUp(t *testing.T) {
	_, _, js := testkit.JetStream(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := natsx.EnsureStream(ctx, js, natsx.AreaStream("users")); err != nil {
		t.Fatal(err)
	}
	revoked := auth.NewRevocations()
	go func() { _ = revoked.Follow(ctx, js, testkit.Logger(t)) }()
	select {
	case <-revoked.CaughtUp():
	case <-time.After(20 * time.Second):
		t.Fatal("never caught up with an empty history")
	}
}

func TestRevocationsForgetAfterTheLastTokenExpired(t *testing.T) {
	clk := newClock()
	r := auth.NewRevocations()
	auth.SetRevocationsClock(r, clk.Now)
	r.Revoke("s-1", clk.Now())
	tests := []struct {
		name    string
		advance time.Duration
		revoked bool
	}{
		{"at once", 0, true},
		{"until the last token expired", auth.AccessTokenTTL, true},
		{"after leeway too", 2 * time.Minute, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk.Advance(tt.advance)
			if got := r.Revoked("s-1"); got != tt.revoked {
				t.Fatalf("Revoked = %v, want %v", got, tt.revoked)
			}
		})
	}
	var nilSet *auth.Revocations
	if nilSet.Revoked("s-1") {
		t.Error("a nil set revokes")
	}
}

// A process is not ready until it read the revocations of the last token
// lifetime, or until CatchUpBound passed (NATS slow, the users stream not
// there yet), whichever comes first.
func TestRevocationsReadinessWaitsForTheHistoryAtMostABound(t *testing.T) {
	ctx := context.Background()
	t.Run("caught up", func(t *testing.T) {
		_, _, js := testkit.JetStream(t)
		if _, err := natsx.EnsureStream(ctx, js, natsx.AreaStream("users")); err != nil {
			t.Fatal(err)
		}
		clk := newClock()
		r := auth.NewRevocations()
		auth.SetRevocationsClock(r, clk.Now)
		ready := r.ReadinessCheck(testkit.Logger(t))
		if err := ready(ctx); err == nil {
			t.Fatal("ready before following the revocations")
		}
		fctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go func() { _ = r.Follow(fctx, js, testkit.Logger(t)) }()
		select {
		case <-r.CaughtUp():
		case <-time.After(20 * time.Second):
			t.Fatal("never caught up")
		}
		if err := ready(ctx); err != nil {
			t.Fatalf("caught up, yet not ready: %v", err)
		}
	})
	t.Run("bound", func(t *testing.T) {
		clk := newClock()
		r := auth.NewRevocations()
		auth.SetRevocationsClock(r, clk.Now)
		ready := r.ReadinessCheck(testkit.Logger(t))
		clk.Advance(auth.CatchUpBound - time.Second)
		if err := ready(ctx); err == nil {
			t.Fatal("ready within the bound without the revocations read")
		}
		clk.Advance(time.Second)
		if err := ready(ctx); err != nil {
			t.Fatalf("not ready once the bound passed: %v", err)
		}
	})
}
