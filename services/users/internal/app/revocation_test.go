package app_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/users/internal/app"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

// revocations returns the SessionRevoked events in the outbox, oldest first.
func (f *fixture) revocations(t *testing.T) []*usersv1.SessionRevoked {
	t.Helper()
	rows, err := f.pool.Query(ctx, "SELECT payload FROM outbox WHERE subject = $1 ORDER BY seq", app.SubjectSessionRevoked)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []*usersv1.SessionRevoked
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		ev := &usersv1.SessionRevoked{}
		if err := proto.Unmarshal(raw, ev); err != nil {
			t.Fatal(err)
		}
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRevokedSessionsArePublished checks that the access token names its
// session and that both ways a session ends publish it, with the session id
// the token carries.
func TestRevokedSessionsArePublished(t *testing.T) {
	f := newFixture(t)
	u, _ := f.signUp(t, "ann@example.com", domain.RoleBuyer)
	jwks, err := f.svc.JWKS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v := auth.NewVerifier(auth.StaticKeySource(jwks.Keys...))
	session := func(pair app.TokenPair) string {
		t.Helper()
		c, err := v.Verify(ctx, pair.AccessToken)
		if err != nil || c.SessionID == "" {
			t.Fatalf("access token: %+v, %v", c, err)
		}
		return c.SessionID
	}

	loggedOut, err := f.svc.Login(ctx, "ann@example.com", password)
	if err != nil {
		t.Fatal(err)
	}
	stolen, err := f.svc.Login(ctx, "ann@example.com", password)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := f.svc.Login(ctx, "ann@example.com", password)
	if err != nil {
		t.Fatal(err)
	}
	renewed, err := f.svc.Refresh(ctx, stolen.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if session(renewed) != session(stolen) {
		t.Fatal("a refresh starts another session")
	}
	if session(kept) == session(stolen) || session(kept) == session(loggedOut) {
		t.Fatal("two logins share a session")
	}
	if len(f.revocations(t)) != 0 {
		t.Fatal("revocations before any logout")
	}

	if err := f.svc.Logout(ctx, caller(u), loggedOut.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Refresh(ctx, stolen.RefreshToken); err == nil { // reuse
		t.Fatal("reuse of a spent refresh token succeeded")
	}
	got := f.revocations(t)
	want := []struct{ sid, reason string }{
		{session(loggedOut), "logout"},
		{session(stolen), "refresh_token_reused"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d revocations published, want %d: %v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].GetSessionId() != w.sid || got[i].GetReason() != w.reason || got[i].GetUserId() != u.ID.String() ||
			got[i].GetOccurredAt().AsTime().Sub(f.clock.Now()).Abs() > time.Millisecond {
			t.Errorf("revocation %d = %v, want session %s for %s", i, got[i], w.sid, w.reason)
		}
	}
}
