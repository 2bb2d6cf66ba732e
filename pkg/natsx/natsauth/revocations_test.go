package natsauth_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/testkit"
)

// Every user of the table, the gateway included, follows the revoked
// sessions with its own login (auth.Revocations.Follow, an ordered consumer
// on USERS) and sees one the users service publishes, without a single
// permissions violation.
func TestEveryUserFollowsRevokedSessions(t *testing.T) {
	n, passwords := testkit.SecuredJetStream(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	users := connect(t, n, passwords, "users")
	if _, err := natsx.EnsureStream(ctx, users.js, natsx.AreaStream("users")); err != nil {
		t.Fatalf("users cannot create its stream: %v", err)
	}

	for _, a := range natsx.Accesses {
		t.Run(a.User, func(t *testing.T) {
			c := connect(t, n, passwords, a.User)
			revoked := auth.NewRevocations()
			followCtx, stop := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- revoked.Follow(followCtx, c.js, testkit.Logger(t)) }()
			defer func() { stop(); <-done }()

			sid := "session-of-" + a.User
			data, err := proto.Marshal(&usersv1.SessionRevoked{
				SessionId: sid, UserId: "u-1", Reason: "logout", OccurredAt: timestamppb.Now(),
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := users.js.Publish(ctx, auth.SessionRevokedSubject, data); err != nil {
				t.Fatalf("users cannot publish a revoked session: %v", err)
			}
			for !revoked.Revoked(sid) {
				select {
				case err := <-c.errors:
					t.Fatalf("%s refused: %v", a.User, err)
				case <-ctx.Done():
					t.Fatalf("%s never saw the revoked session", a.User)
				case <-time.After(20 * time.Millisecond):
				}
			}
		})
	}
}

// Only the users service may publish a revoked session: any other user
// forging one (to log someone out everywhere) is refused.
func TestOnlyUsersPublishesRevokedSessions(t *testing.T) {
	n, passwords := testkit.SecuredJetStream(t)
	for _, a := range natsx.Accesses {
		if a.User == "users" {
			continue
		}
		t.Run(a.User, func(t *testing.T) {
			c := connect(t, n, passwords, a.User)
			_ = c.nc.Publish(auth.SessionRevokedSubject, []byte("forged"))
			c.refused(t, a.User+" publishing "+auth.SessionRevokedSubject)
		})
	}
}
