package app_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/kek"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/users/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/users/internal/app"
	"github.com/crossdock/crossdock/services/users/internal/argon2id"
	"github.com/crossdock/crossdock/services/users/internal/domain"
	"github.com/crossdock/crossdock/services/users/migrations"
)

// Password hashes run a bounded number at once (each holds the parameters'
// memory): sign-ups arriving while every slot stays taken are refused as
// busy, Unavailable with a retry delay, and create nothing. Before, every
// request hashed at once, and a flood of logins (even naming unknown
// e-mails) took the process past its memory limit.
func TestPasswordHashesRunABoundedNumberAtOnce(t *testing.T) {
	pool, svc := slowHashing(t, 64, 1, 20*time.Millisecond)
	const signUps = 3
	errs := make([]error, signUps)
	var wg sync.WaitGroup
	for i := range signUps {
		wg.Go(func() {
			_, _, errs[i] = svc.SignUp(ctx, app.SignUpInput{AccountInput: domain.AccountInput{
				Email: "slow" + string(rune('a'+i)) + "@example.com", Password: password, DisplayName: "S"}, Role: domain.RoleBuyer})
		})
	}
	wg.Wait()
	signedUp, busy := 0, 0
	for _, err := range errs {
		var e *apperr.Error
		switch {
		case err == nil:
			signedUp++
		case errors.As(err, &e) && e.Kind == apperr.KindUnavailable && e.Reason == "PASSWORD_CHECKS_BUSY" && e.RetryDelay > 0:
			busy++
		default:
			t.Errorf("sign-up: %v", err)
		}
	}
	if signedUp < 1 || busy < 1 {
		t.Fatalf("%d signed up and %d refused as busy, with one hash slot and sign-ups at once; want both", signedUp, busy)
	}
	var users int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&users); err != nil {
		t.Fatal(err)
	}
	if users != signedUp {
		t.Errorf("%d accounts for %d sign-ups that went through", users, signedUp)
	}
}

// Guesses sent at once from one client at one account are checked one at
// a time: a failure is counted only once its check is done, and before,
// every attempt already on its way passed the failure count together (ten
// guesses where the throttle allows one). The others are refused as in
// progress, with a retry delay, and count as no failure. A client that
// signed in to the account before is not held up by another client's
// guesses at it.
func TestGuessesAtOnceAreCheckedOneAtATime(t *testing.T) {
	pool, svc := slowHashing(t, 32, 16, time.Minute)
	if _, _, err := svc.SignUp(ctx, app.SignUpInput{AccountInput: domain.AccountInput{Email: "ann@example.com", Password: password, DisplayName: "A"},
		Role: domain.RoleBuyer}); err != nil {
		t.Fatal(err)
	}
	owner := app.WithClient(ctx, app.Client{Peer: "192.0.2.1"})
	if _, err := svc.Login(owner, "ann@example.com", password); err != nil {
		t.Fatal(err)
	}
	const guesses = 8
	errs := make([]error, guesses)
	var ownerErr error
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range guesses {
		wg.Go(func() {
			<-start
			_, errs[i] = svc.Login(app.WithClient(ctx, app.Client{Peer: "198.51.100.7"}), "ann@example.com", "not the password")
		})
	}
	wg.Go(func() {
		<-start
		_, ownerErr = svc.Login(owner, "ann@example.com", password)
	})
	close(start)
	wg.Wait()
	if ownerErr != nil {
		t.Errorf("the owner's sign-in among the guesses: %v", ownerErr)
	}
	checked, inProgress := 0, 0
	for _, err := range errs {
		var e *apperr.Error
		switch {
		case errors.Is(err, app.ErrBadCredentials):
			checked++
		case errors.As(err, &e) && e.Reason == "ATTEMPT_IN_PROGRESS" && e.Kind == apperr.KindResourceExhausted && e.RetryDelay > 0:
			inProgress++
		default:
			t.Errorf("a guess: %v", err)
		}
	}
	if checked < 1 || inProgress < 1 {
		t.Fatalf("%d guesses checked, %d refused as in progress, of %d sent at once; want one at a time", checked, inProgress, guesses)
	}
	var failures int
	if err := pool.QueryRow(ctx, `SELECT failures FROM auth_failures WHERE key = 'login:pair:ann@example.com|198.51.100.7'`).Scan(&failures); err != nil {
		t.Fatal(err)
	}
	if failures != checked {
		t.Errorf("%d failures counted for %d guesses checked", failures, checked)
	}
}

// The pods of one service starting together ask for a service token at
// once, each from a new address: every one gets it. (Attempts at one
// account from clients never signed in to it are checked one at a time
// for people's logins, not for service tokens.)
func TestServicePodsStartingTogetherEachGetAToken(t *testing.T) {
	_, svc := slowHashing(t, 32, 16, time.Minute)
	clients, err := app.ParseServiceClients("orders:orders-secret-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.EnsureServiceClients(ctx, clients); err != nil {
		t.Fatal(err)
	}
	const pods = 4
	errs := make([]error, pods)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range pods {
		wg.Go(func() {
			<-start
			pod := app.WithClient(ctx, app.Client{Peer: fmt.Sprintf("10.0.0.%d", i+1)})
			_, _, errs[i] = svc.IssueServiceToken(pod, "orders", "orders-secret-0123456789")
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("pod %d: %v", i, err)
		}
	}
}

// slowHashing is a users service whose password hashes take a while
// (iterations of 8 MiB), with hashes run at once at most and a caller
// waiting up to wait for a slot.
func slowHashing(t *testing.T, iterations uint32, hashes int, wait time.Duration) (*pgxpool.Pool, *app.Service) {
	t.Helper()
	pool := testkit.Database(t, testkit.Migrations{Name: "users", FS: migrations.FS})
	cfg := app.DefaultConfig()
	cfg.Password = argon2id.Params{MemoryKiB: 8192, Iterations: iterations, Parallelism: 1, SaltLength: 16, KeyLength: 32}
	cfg.PasswordHashes = hashes
	svc, err := app.New(postgres.New(pool, testKeys(t, kek.Generate("test"))), cfg, app.WithHashWait(wait))
	if err != nil {
		t.Fatal(err)
	}
	return pool, svc
}
