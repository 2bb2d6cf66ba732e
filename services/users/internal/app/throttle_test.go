package app_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/users/internal/app"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

// from is a context whose calls come from the client address addr.
func from(addr string) context.Context { return app.WithClient(ctx, app.Client{Peer: addr}) }

// via is a context whose calls a gateway replica at peer makes for the
// client at addr.
func via(peer, addr string) context.Context {
	return app.WithClient(ctx, app.Client{Peer: peer, Forwarded: addr})
}

// wantThrottled fails unless err is the throttle's answer with a retry delay
// in (0, atMost].
func wantThrottled(t *testing.T, err error, atMost time.Duration) time.Duration {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || !errors.Is(err, app.ErrTooManyAttempts) || e.RetryDelay <= 0 || e.RetryDelay > atMost {
		t.Fatalf("error %v, want TOO_MANY_ATTEMPTS with a delay in (0, %v]", err, atMost)
	}
	return e.RetryDelay
}

func TestFailedLoginsArePerAccountAndClientAndNeverLockForever(t *testing.T) {
	f := newFixture(t)
	f.signUp(t, "ann@example.com", domain.RoleBuyer)
	p := app.DefaultThrottlePolicy()
	attacker, owner := from("198.51.100.7"), from("203.0.113.9")

	for i := range p.PairFree {
		if _, err := f.svc.Login(attacker, "ann@example.com", fmt.Sprint("guess ", i)); !errors.Is(err, app.ErrBadCredentials) {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	// The attacker's pair is now slowed: even the right password is refused
	// (or the throttle would confirm a guess), with the time to wait.
	_, err := f.svc.Login(attacker, "ann@example.com", password)
	wantThrottled(t, err, p.Base)
	// The owner, from elsewhere, is not held up.
	if _, err := f.svc.Login(owner, "ann@example.com", password); err != nil {
		t.Fatalf("owner's login while the attacker is throttled: %v", err)
	}

	// Each failure doubles the wait, up to the cap; refused attempts do not
	// count, so hammering extends nothing.
	for range 30 {
		_, err := f.svc.Login(attacker, "ann@example.com", "guess")
		if errors.Is(err, app.ErrBadCredentials) {
			continue
		}
		wait := wantThrottled(t, err, p.PairCap)
		for range 3 {
			_, again := f.svc.Login(attacker, "ann@example.com", "guess")
			if got := wantThrottled(t, again, p.PairCap); got != wait {
				t.Fatalf("a refused attempt changed the wait from %v to %v", wait, got)
			}
		}
		f.clock.Advance(wait)
	}
	_, err = f.svc.Login(attacker, "ann@example.com", "guess")
	if wait := wantThrottled(t, err, p.PairCap); wait != p.PairCap {
		t.Errorf("wait after many failures %v, want the cap %v", wait, p.PairCap)
	}
	f.clock.Advance(p.PairCap)
	if _, err := f.svc.Login(attacker, "ann@example.com", password); err != nil {
		t.Errorf("after the capped wait the right password is refused: %v", err)
	}
}

func TestGuessesOverManyAddressesAreSlowedPerAccount(t *testing.T) {
	f := newFixture(t)
	f.signUp(t, "ann@example.com", domain.RoleBuyer)
	p := app.DefaultThrottlePolicy()
	owner := from("203.0.113.9")
	if _, err := f.svc.Login(owner, "ann@example.com", password); err != nil {
		t.Fatal(err)
	}
	for i := range p.AccountFree {
		if _, err := f.svc.Login(from(fmt.Sprintf("198.51.100.%d", i)), "ann@example.com", "guess"); !errors.Is(err, app.ErrBadCredentials) {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	// A fresh address is slowed by the account-wide limit, briefly …
	_, err := f.svc.Login(from("192.0.2.1"), "ann@example.com", "guess")
	wantThrottled(t, err, p.AccountCap)
	// … the owner's known address is not.
	if _, err := f.svc.Login(owner, "ann@example.com", password); err != nil {
		t.Fatalf("owner's login during a distributed attack: %v", err)
	}
	// And the account-wide wait never exceeds its cap.
	f.clock.Advance(p.AccountCap)
	if _, err := f.svc.Login(from("192.0.2.1"), "ann@example.com", password); err != nil {
		t.Errorf("after the account-wide wait: %v", err)
	}
}

// An owner who signed in through one gateway replica is still known
// through another (replicas come and go with every rollout): the
// account-wide limit an attacker keeps in force never keeps the owner out.
// A peer forwarding the owner's address is still held to its own pair's
// limit.
func TestTheOwnersAddressIsKnownThroughAnyGatewayReplica(t *testing.T) {
	f := newFixture(t)
	f.signUp(t, "ann@example.com", domain.RoleBuyer)
	p := app.DefaultThrottlePolicy()
	if _, err := f.svc.Login(via("10.1.0.5", "203.0.113.9"), "ann@example.com", password); err != nil {
		t.Fatal(err)
	}
	for i := range p.AccountFree {
		if _, err := f.svc.Login(via("10.1.0.5", fmt.Sprintf("198.51.100.%d", i)), "ann@example.com", "guess"); !errors.Is(err, app.ErrBadCredentials) {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	_, err := f.svc.Login(via("10.1.0.7", "192.0.2.1"), "ann@example.com", "guess")
	wantThrottled(t, err, p.AccountCap)
	if _, err := f.svc.Login(via("10.1.0.6", "203.0.113.9"), "ann@example.com", password); err != nil {
		t.Fatalf("the owner through another replica during a distributed attack: %v", err)
	}
	forger := via("10.9.9.9", "203.0.113.9")
	for i := range p.PairFree {
		if _, err := f.svc.Login(forger, "ann@example.com", "guess"); !errors.Is(err, app.ErrBadCredentials) {
			t.Fatalf("forged guess %d: %v", i, err)
		}
	}
	_, err = f.svc.Login(forger, "ann@example.com", "guess")
	wantThrottled(t, err, p.Base)
}

func TestOneAddressTryingManyAccountsIsSlowed(t *testing.T) {
	f := newFixture(t)
	p := app.DefaultThrottlePolicy()
	sprayer := from("198.51.100.7")
	for i := range p.ClientFree {
		if _, err := f.svc.Login(sprayer, fmt.Sprintf("user%d@example.com", i), "Summer2026!"); !errors.Is(err, app.ErrBadCredentials) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	_, err := f.svc.Login(sprayer, "another@example.com", "Summer2026!")
	wantThrottled(t, err, p.Base)
}

func TestFailedServiceTokenRequestsAreThrottledPerClientID(t *testing.T) {
	f := newFixture(t)
	clients, err := app.ParseServiceClients("orders:orders-secret-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.EnsureServiceClients(ctx, clients); err != nil {
		t.Fatal(err)
	}
	p := app.DefaultThrottlePolicy()
	attacker, orders := from("198.51.100.7"), from("10.0.0.12")
	for i := range p.PairFree {
		if _, _, err := f.svc.IssueServiceToken(attacker, "orders", fmt.Sprint("guess-", i)); !errors.Is(err, app.ErrBadClientCredentials) {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	_, _, err = f.svc.IssueServiceToken(attacker, "orders", "orders-secret-0123456789")
	wantThrottled(t, err, p.Base)
	if _, _, err := f.svc.IssueServiceToken(orders, "orders", "orders-secret-0123456789"); err != nil {
		t.Errorf("the service itself is locked out: %v", err)
	}
}

// A malformed e-mail thousands of characters long is refused as a bad
// credential, and throttled, like any other: before, its key overflowed
// the failure log's index and the login answered Internal.
func TestAVeryLongMalformedEmailIsABadCredential(t *testing.T) {
	f := newFixture(t)
	long := strings.Repeat("x", 4000)
	for range 2 {
		if _, err := f.svc.Login(from("198.51.100.7"), long, password); !errors.Is(err, app.ErrBadCredentials) {
			t.Fatalf("login with a 4000-character e-mail: %v, want ErrBadCredentials", err)
		}
	}
}

// A sign-up answered EMAIL_TAKEN tells whether an address has an account:
// one client checking many addresses that way is slowed as it would be
// through login, and another client signs up meanwhile. Before, sign-up
// answered EMAIL_TAKEN as fast as it was asked.
func TestSignUpsFindingTakenAddressesAreSlowedPerClient(t *testing.T) {
	f := newFixture(t)
	p := app.DefaultThrottlePolicy()
	for i := range p.ClientFree {
		f.signUp(t, fmt.Sprintf("taken%d@example.com", i), domain.RoleBuyer)
	}
	prober := from("198.51.100.7")
	signUp := func(ctx context.Context, email string) error {
		_, _, err := f.svc.SignUp(ctx, app.SignUpInput{
			AccountInput: domain.AccountInput{Email: email, Password: password, DisplayName: "Someone"}, Role: domain.RoleBuyer})
		return err
	}
	for i := range p.ClientFree {
		if err := signUp(prober, fmt.Sprintf("taken%d@example.com", i)); !errors.Is(err, domain.ErrEmailTaken) {
			t.Fatalf("probe %d: %v, want EMAIL_TAKEN", i, err)
		}
	}
	// The next probe, even of a free address, waits.
	wantThrottled(t, signUp(prober, "free@example.com"), p.Base)
	if err := signUp(from("203.0.113.9"), "someone.else@example.com"); err != nil {
		t.Fatalf("another client's sign-up: %v", err)
	}
}

// An organization's owner adding members learns, through EMAIL_TAKEN,
// which addresses have accounts, and anyone may own one (a supplier's
// sign-up makes it): probing addresses that way is slowed as sign-up's
// is. Before, it answered as fast as it was asked.
func TestMembersFindingTakenAddressesAreSlowedPerClient(t *testing.T) {
	f := newFixture(t)
	p := app.DefaultThrottlePolicy()
	for i := range p.ClientFree {
		f.signUp(t, fmt.Sprintf("taken%d@example.com", i), domain.RoleBuyer)
	}
	owner, org := f.signUp(t, "shop@example.com", domain.RoleMerchant)
	prober := from("198.51.100.7")
	add := func(ctx context.Context, email string) error {
		_, err := f.svc.AddOrganizationMember(ctx, caller(owner), org.ID, domain.AccountInput{Email: email, Password: password, DisplayName: "Staff"})
		return err
	}
	for i := range p.ClientFree {
		if err := add(prober, fmt.Sprintf("taken%d@example.com", i)); !errors.Is(err, domain.ErrEmailTaken) {
			t.Fatalf("probe %d: %v, want EMAIL_TAKEN", i, err)
		}
	}
	wantThrottled(t, add(prober, "free@example.com"), p.Base)
	if err := add(from("203.0.113.9"), "staff@example.com"); err != nil {
		t.Fatalf("another client's addition: %v", err)
	}
}
