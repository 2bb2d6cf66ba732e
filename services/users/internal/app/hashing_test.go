package app_test

import (
	"errors"
	"sync"
	"testing"
	"time"

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
	pool := testkit.Database(t, testkit.Migrations{Name: "users", FS: migrations.FS})
	cfg := app.DefaultConfig()
	cfg.Password = argon2id.Params{MemoryKiB: 8192, Iterations: 64, Parallelism: 1, SaltLength: 16, KeyLength: 32} // slow
	cfg.PasswordHashes = 1
	svc, err := app.New(postgres.New(pool, testKeys(t, kek.Generate("test"))), cfg, app.WithHashWait(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
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
