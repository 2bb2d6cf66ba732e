package app_test

import (
	"slices"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

func kids(set auth.JWKS) []string {
	var out []string
	for _, k := range set.Keys {
		out = append(out, k.Kid)
	}
	return out
}

type keyFixture struct {
	*fixture
	t *testing.T
}

func (f keyFixture) login() string {
	f.t.Helper()
	pair, err := f.svc.Login(ctx, "ann@example.com", password)
	if err != nil {
		f.t.Fatal(err)
	}
	return pair.AccessToken
}

func (f keyFixture) jwks() []string {
	f.t.Helper()
	set, err := f.svc.JWKS(ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	return kids(set)
}

// verifies checks token against the published keys, at the test clock.
func (f keyFixture) verifies(token string) bool {
	f.t.Helper()
	set, err := f.svc.JWKS(ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	_, err = auth.NewVerifier(auth.StaticKeySource(set.Keys...), auth.WithClock(f.clock.Now)).Verify(ctx, token)
	return err == nil
}

// The next key is published a whole rotation period before it signs; the
// retired key stays published until its tokens have expired.
func TestScheduledRotation(t *testing.T) {
	f := keyFixture{newFixture(t), t}
	f.signUp(t, "ann@example.com", domain.RoleBuyer)
	_ = f.login()
	keys := f.jwks()
	if len(keys) != 2 {
		t.Fatalf("first JWKS = %v, want the signer and the next key", keys)
	}
	next, first := keys[0], keys[1]

	f.clock.Advance(720*time.Hour - time.Minute)
	late := f.login() // signed by the first key just before it retires
	f.clock.Advance(2 * time.Minute)
	fresh := f.login()
	keys = f.jwks()
	if len(keys) != 3 || keys[1] != next || keys[2] != first {
		t.Fatalf("JWKS after the scheduled rotation = %v, want [new-next %s %s]", keys, next, first)
	}
	if !f.verifies(late) || !f.verifies(fresh) {
		t.Error("tokens of the retired or the new signer do not verify")
	}
	// Once the retired key's tokens have expired it is withdrawn, then
	// deleted at the next change of keys.
	f.clock.Advance(auth.AccessTokenTTL + time.Minute)
	if keys := f.jwks(); slices.Contains(keys, first) {
		t.Errorf("JWKS still lists the retired key: %v", keys)
	}
	if f.verifies(late) {
		t.Error("an expired token verifies")
	}
	f.clock.Advance(720 * time.Hour)
	_ = f.login()
	// An hour past the second rotation, both retired keys are gone.
	if n := f.count(t, "signing_keys"); n != 2 {
		t.Errorf("%d keys stored after two rotations, want only the signer and the next", n)
	}
}

// An admin's rotation promotes a key every verifier already has.
func TestManualRotationPromotesThePublishedNextKey(t *testing.T) {
	f := keyFixture{newFixture(t), t}
	admin := f.admin(t)
	f.signUp(t, "ann@example.com", domain.RoleBuyer)
	before := f.login()
	published := f.jwks()
	f.clock.Advance(time.Second)
	kid, err := f.svc.RotateSigningKey(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	if kid != published[0] {
		t.Errorf("rotation promoted %s, not the published next key %s", kid, published[0])
	}
	// A verifier holding only the keys published before the rotation
	// accepts tokens signed after it.
	stale := auth.NewVerifier(auth.StaticKeySource(mustJWKS(t, f).Keys[1:]...))
	after := f.login()
	for name, tok := range map[string]string{"before": before, "after": after} {
		if !f.verifies(tok) {
			t.Errorf("token %s the rotation does not verify", name)
		}
	}
	if _, err := stale.Verify(ctx, after); err != nil {
		t.Errorf("a verifier with the pre-rotation keys rejects a new token: %v", err)
	}
	if keys := f.jwks(); len(keys) != 3 || keys[1] != kid {
		t.Errorf("JWKS after rotation = %v", keys)
	}
}

func mustJWKS(t *testing.T, f keyFixture) auth.JWKS {
	t.Helper()
	set, err := f.svc.JWKS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return set
}
