package app_test

import (
	"errors"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/users/internal/app"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

func TestSignUpLoginRefreshLogout(t *testing.T) {
	f := newFixture(t)
	u, org := f.signUp(t, "Ann@Example.com", domain.RoleBuyer)
	if u.Email != "ann@example.com" || org != nil || !u.HasRole(domain.RoleBuyer) {
		t.Fatalf("SignUp = %+v, %+v", u, org)
	}

	if _, err := f.svc.Login(ctx, "ann@example.com", "wrong password!!"); !errors.Is(err, app.ErrBadCredentials) {
		t.Fatalf("wrong password = %v", err)
	}
	if _, err := f.svc.Login(ctx, "nobody@example.com", password); !errors.Is(err, app.ErrBadCredentials) {
		t.Fatalf("unknown e-mail = %v, want the same error as a wrong password", err)
	}
	pair, err := f.svc.Login(ctx, "  ANN@example.com ", password)
	if err != nil {
		t.Fatal(err)
	}
	if pair.ExpiresIn != auth.AccessTokenTTL || pair.RefreshExpiresAt.Sub(f.clock.Now()) < 29*24*time.Hour {
		t.Errorf("lifetimes: access %v, refresh until %v", pair.ExpiresIn, pair.RefreshExpiresAt)
	}
	jwks, err := f.svc.JWKS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v := auth.NewVerifier(auth.StaticKeySource(jwks.Keys...))
	c, err := v.Verify(ctx, pair.AccessToken)
	if err != nil || c.Subject != u.ID.String() || c.Kind != auth.KindUser || !c.HasRole(auth.RoleBuyer) {
		t.Fatalf("access token verifies as %+v, %v", c, err)
	}

	// Each refresh token works once and leads to the next.
	next, err := f.svc.Refresh(ctx, pair.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if next.RefreshToken == pair.RefreshToken {
		t.Fatal("refresh returned the same refresh token")
	}
	// Reusing the spent token once its grace is over revokes the family:
	// the newest token dies too.
	f.clock.Advance(app.DefaultConfig().RefreshReuseGrace)
	if _, err := f.svc.Refresh(ctx, pair.RefreshToken); !errors.Is(err, app.ErrRefreshTokenReused) {
		t.Fatalf("reuse = %v, want ErrRefreshTokenReused", err)
	}
	if _, err := f.svc.Refresh(ctx, next.RefreshToken); !errors.Is(err, app.ErrRefreshTokenReused) {
		t.Fatalf("refresh after family revocation = %v, want Unauthenticated", err)
	}

	// Logout revokes the family of a fresh login, not other logins.
	a, _ := f.svc.Login(ctx, "ann@example.com", password)
	b, _ := f.svc.Login(ctx, "ann@example.com", password)
	if err := f.svc.Logout(ctx, caller(u), a.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Refresh(ctx, a.RefreshToken); !apperr.IsKind(err, apperr.KindUnauthenticated) {
		t.Errorf("refresh after logout = %v", err)
	}
	if _, err := f.svc.Refresh(ctx, b.RefreshToken); err != nil {
		t.Errorf("another login's token after logout = %v", err)
	}
	// Someone else's token is not revoked by my logout.
	eve, _ := f.signUp(t, "eve@example.com", domain.RoleBuyer)
	c2, _ := f.svc.Login(ctx, "ann@example.com", password)
	if err := f.svc.Logout(ctx, caller(eve), c2.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Refresh(ctx, c2.RefreshToken); err != nil {
		t.Errorf("another user's logout revoked my token: %v", err)
	}
	// Signed out with the refresh token alone (the access token expired):
	// its holder ends the session, as its holder could refresh it.
	if err := f.svc.Logout(ctx, auth.Caller{}, c2.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Refresh(ctx, c2.RefreshToken); !apperr.IsKind(err, apperr.KindUnauthenticated) {
		t.Errorf("refresh after a logout without an access token = %v, want refused", err)
	}
}

func TestRefreshTokenExpiresAndGarbageIsRefused(t *testing.T) {
	f := newFixture(t)
	f.signUp(t, "ann@example.com", domain.RoleBuyer)
	pair, err := f.svc.Login(ctx, "ann@example.com", password)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{"", "short", pair.RefreshToken[:42] + "!", tamper(pair.RefreshToken)} {
		if _, err := f.svc.Refresh(ctx, tok); !errors.Is(err, app.ErrBadRefreshToken) {
			t.Errorf("Refresh(%q) = %v", tok, err)
		}
	}
	f.clock.Advance(31 * 24 * time.Hour)
	if _, err := f.svc.Refresh(ctx, pair.RefreshToken); !errors.Is(err, app.ErrBadRefreshToken) {
		t.Errorf("expired token = %v", err)
	}
}

// tamper changes the first character of a base64url token to another valid
// one, so the result always differs from tok yet still decodes.
func tamper(tok string) string {
	if tok[0] == 'A' {
		return "B" + tok[1:]
	}
	return "A" + tok[1:]
}

// Two exchanges of the same token race (two tabs of one browser): both
// get a pair, within the reuse grace, and the session goes on from the
// first of the two refreshed next (tabs share the stored token, and the
// last one written is the one used); the other is superseded, and
// presenting it then is a reuse that ends the session.
func TestConcurrentRefreshOfOneToken(t *testing.T) {
	f := newFixture(t)
	f.signUp(t, "ann@example.com", domain.RoleBuyer)
	pair, _ := f.svc.Login(ctx, "ann@example.com", password)
	type result struct {
		pair app.TokenPair
		err  error
	}
	results := make(chan result, 2)
	for range 2 {
		go func() {
			p, err := f.svc.Refresh(ctx, pair.RefreshToken)
			results <- result{p, err}
		}()
	}
	var tabs []app.TokenPair
	for range 2 {
		r := <-results
		if r.err != nil {
			t.Fatalf("a tab's refresh within the grace = %v", r.err)
		}
		tabs = append(tabs, r.pair)
	}
	if tabs[0].RefreshToken == tabs[1].RefreshToken {
		t.Fatal("both tabs were given the same refresh token")
	}
	if live := f.liveTokens(t); live != 3 {
		t.Errorf("%d tokens not revoked, want 3 (the spent one and each tab's)", live)
	}
	f.clock.Advance(time.Minute)
	next, err := f.svc.Refresh(ctx, tabs[1].RefreshToken)
	if err != nil {
		t.Fatalf("the stored token's refresh = %v", err)
	}
	if _, err := f.svc.Refresh(ctx, next.RefreshToken); err != nil {
		t.Fatalf("the session going on = %v", err)
	}
	if _, err := f.svc.Refresh(ctx, tabs[0].RefreshToken); !errors.Is(err, app.ErrRefreshTokenReused) {
		t.Fatalf("the superseded sibling = %v, want ErrRefreshTokenReused", err)
	}
	if live := f.liveTokens(t); live != 0 {
		t.Errorf("%d tokens of the family still live", live)
	}
}

// A copy of a token presented from another address within the grace of
// the client's own exchange is a reuse, however soon: the session ends.
// The grace is the client's own tabs'.
func TestACopyFromElsewhereWithinTheGraceEndsTheSession(t *testing.T) {
	f := newFixture(t)
	f.signUp(t, "ann@example.com", domain.RoleBuyer)
	home, elsewhere := from("192.0.2.10"), from("203.0.113.66")
	pair, _ := f.svc.Login(home, "ann@example.com", password)
	client, err := f.svc.Refresh(home, pair.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Refresh(elsewhere, pair.RefreshToken); !errors.Is(err, app.ErrRefreshTokenReused) {
		t.Fatalf("the copy from another address within the grace = %v, want ErrRefreshTokenReused", err)
	}
	if _, err := f.svc.Refresh(home, client.RefreshToken); !apperr.IsKind(err, apperr.KindUnauthenticated) {
		t.Errorf("the client's token after the reuse = %v, want refused", err)
	}
}

// A copy of a token exchanged within the grace of the client's own
// exchange from the same address (a thief behind the client's NAT) gets a
// pair, but not a session of its own: whichever branch goes on first
// supersedes the other, whose next use is a reuse that ends the session
// for both.
func TestACopyExchangedWithinTheGraceIsCaughtLater(t *testing.T) {
	for _, thiefFirst := range []bool{false, true} {
		t.Run(map[bool]string{false: "the client goes on first", true: "the thief goes on first"}[thiefFirst], func(t *testing.T) {
			f := newFixture(t)
			f.signUp(t, "ann@example.com", domain.RoleBuyer)
			pair, _ := f.svc.Login(ctx, "ann@example.com", password)
			client, err := f.svc.Refresh(ctx, pair.RefreshToken)
			if err != nil {
				t.Fatal(err)
			}
			thief, err := f.svc.Refresh(ctx, pair.RefreshToken) // within the grace
			if err != nil {
				t.Fatalf("the copy within the grace = %v", err)
			}
			first, second := client, thief
			if thiefFirst {
				first, second = thief, client
			}
			f.clock.Advance(5 * time.Minute)
			ahead, err := f.svc.Refresh(ctx, first.RefreshToken)
			if err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(5 * time.Minute)
			if _, err := f.svc.Refresh(ctx, second.RefreshToken); !errors.Is(err, app.ErrRefreshTokenReused) {
				t.Fatalf("the branch left behind = %v, want ErrRefreshTokenReused", err)
			}
			if _, err := f.svc.Refresh(ctx, ahead.RefreshToken); !apperr.IsKind(err, apperr.KindUnauthenticated) {
				t.Errorf("the branch ahead after the reuse = %v, want refused", err)
			}
		})
	}
}

// The grace counts from a token's first exchange, not its latest, and
// does not outlive its session.
func TestRefreshReuseGraceBounds(t *testing.T) {
	f := newFixture(t)
	u, _ := f.signUp(t, "ann@example.com", domain.RoleBuyer)
	grace := app.DefaultConfig().RefreshReuseGrace
	pair, _ := f.svc.Login(ctx, "ann@example.com", password)
	if _, err := f.svc.Refresh(ctx, pair.RefreshToken); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(grace - time.Second)
	if _, err := f.svc.Refresh(ctx, pair.RefreshToken); err != nil {
		t.Fatalf("again a second before the grace ends = %v", err)
	}
	f.clock.Advance(time.Second)
	if _, err := f.svc.Refresh(ctx, pair.RefreshToken); !errors.Is(err, app.ErrRefreshTokenReused) {
		t.Fatalf("again as the first exchange's grace ends = %v, want ErrRefreshTokenReused", err)
	}

	// Logged out, a token exchanged a moment ago is not exchanged again.
	other, _ := f.svc.Login(ctx, "ann@example.com", password)
	next, err := f.svc.Refresh(ctx, other.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Logout(ctx, caller(u), next.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Refresh(ctx, other.RefreshToken); !apperr.IsKind(err, apperr.KindUnauthenticated) {
		t.Errorf("a token of a logged-out session within its grace = %v, want refused", err)
	}
}

// liveTokens counts the refresh tokens not revoked.
func (f *fixture) liveTokens(t *testing.T) int {
	t.Helper()
	var live int
	if err := f.pool.QueryRow(ctx, "SELECT count(*) FROM refresh_tokens WHERE revoked_at IS NULL").Scan(&live); err != nil {
		t.Fatal(err)
	}
	return live
}

// Supplier and merchant roles reach the token only once the organization is
// approved.
func TestOrganizationRolesNeedApproval(t *testing.T) {
	f := newFixture(t)
	admin := f.admin(t)
	_, org := f.signUp(t, "sup@example.com", domain.RoleSupplier)
	roles := func() auth.Caller {
		t.Helper()
		pair, err := f.svc.Login(ctx, "sup@example.com", password)
		if err != nil {
			t.Fatal(err)
		}
		jwks, _ := f.svc.JWKS(ctx)
		c, err := auth.NewVerifier(auth.StaticKeySource(jwks.Keys...)).Verify(ctx, pair.AccessToken)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if c := roles(); c.HasRole(auth.RoleSupplier) || c.OrganizationID != org.ID.String() || c.OrganizationRole != auth.OrgRoleOwner {
		t.Errorf("pending supplier's token = %+v", c)
	}
	if _, err := f.svc.ApproveOrganization(ctx, admin, org.ID); err != nil {
		t.Fatal(err)
	}
	if c := roles(); !c.HasRole(auth.RoleSupplier) {
		t.Errorf("approved supplier's token = %+v", c)
	}
}

func TestRehashOnLoginWhenParametersRise(t *testing.T) {
	f := newFixture(t)
	u, _ := f.signUp(t, "ann@example.com", domain.RoleBuyer)
	cfg := app.DefaultConfig()
	cfg.Password = fastHashing
	cfg.Password.Iterations = 2
	stronger, err := app.New(storeOf(f), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stronger.Login(ctx, "ann@example.com", password); err != nil {
		t.Fatal(err)
	}
	var hash string
	if err := f.pool.QueryRow(ctx, "SELECT password_hash FROM users WHERE id = $1", u.ID).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	if want := "$argon2id$v=19$m=64,t=2,p=1$"; hash[:len(want)] != want {
		t.Errorf("hash after login = %s, want it upgraded to t=2", hash)
	}
}

// A refresh racing the end of its session (a logout with an older token, a
// reuse detected, the account leaving its organization) can issue a token
// the ending's revocation did not see. That token is refused all the same,
// and revoked, when it is exchanged: before, it carried the session on
// after its end. The race's outcome is written here directly: every token
// of the family revoked but the newest.
func TestATokenThatEscapedItsSessionsEndIsRefused(t *testing.T) {
	f := newFixture(t)
	f.signUp(t, "ann@example.com", domain.RoleBuyer)
	first, err := f.svc.Login(ctx, "ann@example.com", password)
	if err != nil {
		t.Fatal(err)
	}
	escaped, err := f.svc.Refresh(ctx, first.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.pool.Exec(ctx, `UPDATE refresh_tokens SET revoked_at = now() WHERE used_at IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Refresh(ctx, escaped.RefreshToken); !errors.Is(err, app.ErrBadRefreshToken) {
		t.Fatalf("refresh of a token of an ended session = %v, want ErrBadRefreshToken", err)
	}
	var live int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM refresh_tokens WHERE revoked_at IS NULL`).Scan(&live); err != nil || live != 0 {
		t.Errorf("%d tokens left live (%v), want the escaped one revoked too", live, err)
	}
}

// A token that escaped its session's end (the refresh that issued it
// committed after the revocation read the family) stays refused once the
// family's older, revoked tokens expire and are pruned: a family is pruned
// only when all of its tokens expired. Before, pruning the revoked rows
// left the escaped token in a family with nothing revoked, and it brought
// the ended session back.
func TestAnEscapedTokenStaysRefusedAfterItsFamilyIsPruned(t *testing.T) {
	f := newFixture(t)
	f.signUp(t, "ann@example.com", domain.RoleBuyer)
	first, err := f.svc.Login(ctx, "ann@example.com", password)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(48 * time.Hour)
	escaped, err := f.svc.Refresh(ctx, first.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.pool.Exec(ctx, `UPDATE refresh_tokens SET revoked_at = now() WHERE used_at IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(29*24*time.Hour + time.Hour) // the first token expired more than a day ago, the escaped one not
	if _, err := f.svc.PruneRefreshTokens(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Refresh(ctx, escaped.RefreshToken); !errors.Is(err, app.ErrBadRefreshToken) {
		t.Fatalf("refresh of the escaped token after the prune = %v, want ErrBadRefreshToken", err)
	}
	f.clock.Advance(3 * 24 * time.Hour) // now the whole family expired
	if n, err := f.svc.PruneRefreshTokens(ctx); err != nil || n != 2 {
		t.Errorf("pruned %d tokens (%v), want the family's 2", n, err)
	}
}

// A session kept alive by its refreshes does not keep its spent tokens for
// ever: each goes once it expired, as before families were pruned whole.
func TestALiveSessionsSpentTokensArePruned(t *testing.T) {
	f := newFixture(t)
	f.signUp(t, "ann@example.com", domain.RoleBuyer)
	tok, err := f.svc.Login(ctx, "ann@example.com", password)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		f.clock.Advance(20 * 24 * time.Hour)
		if tok, err = f.svc.Refresh(ctx, tok.RefreshToken); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := f.svc.PruneRefreshTokens(ctx); err != nil || n != 2 {
		t.Errorf("pruned %d tokens (%v), want the 2 spent ones expired more than a day ago", n, err)
	}
	if _, err := f.svc.Refresh(ctx, tok.RefreshToken); err != nil {
		t.Errorf("the session's live token after the prune: %v", err)
	}
}
