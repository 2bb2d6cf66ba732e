package app_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/users/internal/adapters/postgres"
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

	f.clock.Advance(app.DefaultConfig().RefreshReuseGrace) // past the reuse grace
	if err := f.svc.Logout(ctx, caller(u), loggedOut.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Refresh(ctx, stolen.RefreshToken); err == nil { // reuse
		t.Fatal("reuse of a spent refresh token succeeded")
	}
	// Tokens of sessions ended already, presented again, announce nothing
	// more (each would have put another event on every verifier's feed).
	for _, again := range []string{loggedOut.RefreshToken, stolen.RefreshToken, renewed.RefreshToken} {
		if _, err := f.svc.Refresh(ctx, again); err == nil {
			t.Fatal("a token of an ended session was exchanged")
		}
	}
	if err := f.svc.Logout(ctx, caller(u), loggedOut.RefreshToken); err != nil {
		t.Fatal(err)
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

// An owner removes a staff member: the account leaves the organization and
// the role it gave, every open session of it is revoked and announced (so
// its access tokens are refused at once), and its refresh tokens no longer
// work. Only the owner of that organization removes, never the owner
// itself, and only its members.
func TestRemovedMemberLosesTheOrganizationAndItsSessions(t *testing.T) {
	f := newFixture(t)
	owner, org := f.signUp(t, "shop@example.com", domain.RoleMerchant)
	other, otherOrg := f.signUp(t, "shop2@example.com", domain.RoleMerchant)
	staff, err := f.svc.AddOrganizationMember(ctx, caller(owner), org.ID, domain.AccountInput{Email: "staff@example.com", Password: password, DisplayName: "S"})
	if err != nil {
		t.Fatal(err)
	}
	colleague, err := f.svc.AddOrganizationMember(ctx, caller(owner), org.ID, domain.AccountInput{Email: "staff2@example.com", Password: password, DisplayName: "T"})
	if err != nil {
		t.Fatal(err)
	}
	first, err := f.svc.Login(ctx, "staff@example.com", password)
	if err != nil {
		t.Fatal(err)
	}
	second, err := f.svc.Login(ctx, "staff@example.com", password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Login(ctx, "staff2@example.com", password); err != nil {
		t.Fatal(err)
	}
	before := len(f.revocations(t))

	for _, tc := range []struct {
		name   string
		by     auth.Caller
		org    uuid.UUID
		user   uuid.UUID
		kind   apperr.Kind
		reason string
	}{
		{"a staff member", caller(colleague), org.ID, staff.ID, apperr.KindPermissionDenied, "OWNERS_ONLY"},
		{"another organization's owner", caller(other), org.ID, staff.ID, apperr.KindNotFound, ""},
		{"a user not a member", caller(owner), org.ID, other.ID, apperr.KindNotFound, ""},
		{"the owner", caller(owner), org.ID, owner.ID, apperr.KindFailedPrecondition, "OWNER_NOT_REMOVABLE"},
		{"in the owner's other organization's name", caller(owner), otherOrg.ID, staff.ID, apperr.KindNotFound, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.RemoveOrganizationMember(ctx, tc.by, tc.org, tc.user)
			wantKind(t, err, tc.kind)
			var e *apperr.Error
			if tc.reason != "" && (!errors.As(err, &e) || e.Reason != tc.reason) {
				t.Errorf("reason of %v, want %s", err, tc.reason)
			}
		})
	}
	if n := len(f.revocations(t)); n != before {
		t.Fatalf("%d sessions revoked by refused removals", n-before)
	}

	removed, err := f.svc.RemoveOrganizationMember(ctx, caller(owner), org.ID, staff.ID)
	if err != nil {
		t.Fatal(err)
	}
	if removed.OrganizationID != uuid.Nil || removed.OrganizationRole != "" || removed.HasRole(domain.RoleMerchant) {
		t.Errorf("removed member = %+v, want outside the organization, without its role", removed)
	}
	revoked := f.revocations(t)[before:]
	if len(revoked) != 2 {
		t.Fatalf("%d sessions revoked, want the member's 2", len(revoked))
	}
	for _, ev := range revoked {
		if ev.GetUserId() != staff.ID.String() || ev.GetReason() != "removed_from_organization" {
			t.Errorf("revoked %v", ev)
		}
	}
	for _, pair := range []app.TokenPair{first, second} {
		if _, err := f.svc.Refresh(ctx, pair.RefreshToken); err == nil {
			t.Error("a removed member's session refreshed")
		}
	}
	_, err = f.svc.RemoveOrganizationMember(ctx, caller(owner), org.ID, staff.ID)
	wantKind(t, err, apperr.KindNotFound)
	if me, _, err := f.svc.GetMe(ctx, caller(colleague)); err != nil || me.OrganizationID != org.ID {
		t.Errorf("the colleague: %+v, %v; want still a member", me, err)
	}
}

// interruptingStore runs meanwhile once, right after the first read of an
// account by e-mail: another request landing while a login hashes the
// password. Reads made by meanwhile itself run nothing more.
type interruptingStore struct {
	app.Store
	ran       atomic.Bool
	meanwhile func()
}

func (s *interruptingStore) GetUserByEmail(ctx context.Context, email string) (domain.User, error) {
	u, err := s.Store.GetUserByEmail(ctx, email)
	if s.ran.CompareAndSwap(false, true) {
		s.meanwhile()
	}
	return u, err
}

// racingLogins is a service whose stored password hashes are all due for a
// rehash, over a store running meanwhile inside the first login.
func racingLogins(t *testing.T, f *fixture) (*app.Service, *interruptingStore) {
	t.Helper()
	cfg := app.DefaultConfig()
	cfg.Password = fastHashing
	cfg.Password.Iterations++
	store := &interruptingStore{Store: postgres.New(f.pool, f.keys)}
	svc, err := app.New(store, cfg, app.WithClock(f.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	return svc, store
}

// A login racing the member's removal from its organization (the account
// read before the removal, the session written after it): the session's
// claims come from the account as it is when the session is written, so
// the removed member gets no access token naming the organization, and a
// rehash of its password does not write the membership back. Before, the
// login issued the organization's rights from its early read, in a session
// the removal's revocation never saw, and a rehash restored the
// membership for good.
func TestALoginRacingAMembersRemovalKeepsNoneOfItsRights(t *testing.T) {
	f := newFixture(t)
	owner, org := f.signUp(t, "shop@example.com", domain.RoleMerchant)
	staff, err := f.svc.AddOrganizationMember(ctx, caller(owner), org.ID, domain.AccountInput{Email: "staff@example.com", Password: password, DisplayName: "S"})
	if err != nil {
		t.Fatal(err)
	}
	svc, store := racingLogins(t, f)
	store.meanwhile = func() {
		if _, err := svc.RemoveOrganizationMember(ctx, caller(owner), org.ID, staff.ID); err != nil {
			t.Errorf("removing the member: %v", err)
		}
	}
	pair, err := svc.Login(ctx, "staff@example.com", password)
	if err != nil {
		t.Fatal(err)
	}
	jwks, err := svc.JWKS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c, err := auth.NewVerifier(auth.StaticKeySource(jwks.Keys...)).Verify(ctx, pair.AccessToken)
	if err != nil || c.OrganizationID != "" || c.HasRole(auth.RoleMerchant) {
		t.Errorf("the racing login's token names organization %q with roles %v (%v), want neither", c.OrganizationID, c.Roles, err)
	}
	u, _, err := svc.GetMe(ctx, caller(staff))
	if err != nil || u.OrganizationID != uuid.Nil || u.HasRole(domain.RoleMerchant) {
		t.Errorf("after the rehash the account is %+v (%v), want still outside the organization", u, err)
	}
}

// Two logins with the right password overlapping while the stored hash is
// due for a rehash both sign in: the second finds the hash the first wrote
// and checks the password against it. Before, it was refused as a wrong
// password. A password changed meanwhile still refuses the old one.
func TestOverlappingLoginsDuringARehashBothSignIn(t *testing.T) {
	f := newFixture(t)
	f.signUp(t, "ann@example.com", domain.RoleBuyer)
	// Two devices the account signed in from before (one client's
	// attempts, or a client's never signed in, are checked one at a time).
	phone, laptop := from("192.0.2.10"), from("192.0.2.11")
	for _, device := range []context.Context{phone, laptop} {
		if _, err := f.svc.Login(device, "ann@example.com", password); err != nil {
			t.Fatal(err)
		}
	}
	svc, store := racingLogins(t, f)
	var first error
	store.meanwhile = func() { _, first = svc.Login(phone, "ann@example.com", password) }
	if _, err := svc.Login(laptop, "ann@example.com", password); err != nil {
		t.Errorf("the overlapping login: %v", err)
	}
	if first != nil {
		t.Errorf("the login that rehashed first: %v", first)
	}

	// The password changed meanwhile: the login that read the old hash is
	// refused, and issues no session.
	changed, err := fastHashing.Hash("another password entirely")
	if err != nil {
		t.Fatal(err)
	}
	f.signUp(t, "bob@example.com", domain.RoleBuyer)
	svc, store = racingLogins(t, f)
	store.meanwhile = func() {
		if _, err := f.pool.Exec(ctx, `UPDATE users SET password_hash = $1 WHERE email = 'bob@example.com'`, changed); err != nil {
			t.Error(err)
		}
	}
	var sessions int
	countSessions := func() int {
		t.Helper()
		if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM refresh_tokens s JOIN users u ON u.id = s.user_id WHERE u.email = 'bob@example.com'`).Scan(&sessions); err != nil {
			t.Fatal(err)
		}
		return sessions
	}
	before := countSessions()
	if _, err := svc.Login(ctx, "bob@example.com", password); !errors.Is(err, app.ErrBadCredentials) {
		t.Errorf("a login with the password changed meanwhile: %v, want bad credentials", err)
	}
	if got := countSessions(); got != before {
		t.Errorf("the refused login left %d sessions, had %d", got, before)
	}
}
