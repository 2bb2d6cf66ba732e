package app_test

import (
	"testing"

	"github.com/crossdock/crossdock/services/users/internal/app"
	"github.com/crossdock/crossdock/services/users/internal/argon2id"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

// BenchmarkLogin measures full logins (argon2id verification with the
// production parameters, key lookup, token signing and the refresh-token
// insert) against a real database; logins/s is the figure to watch.
func BenchmarkLogin(b *testing.B) {
	f := newFixture(b)
	cfg := app.DefaultConfig()
	svc, err := app.New(storeOf(f), cfg)
	if err != nil {
		b.Fatal(err)
	}
	_, _, err = svc.SignUp(ctx, app.SignUpInput{AccountInput: domain.AccountInput{Email: "bench@example.com", Password: password, DisplayName: "B"}, Role: domain.RoleBuyer})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := svc.Login(ctx, "bench@example.com", password); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
	// The parameters are reported with the figure, since they decide it.
	p := argon2id.OWASP
	b.ReportMetric(float64(p.MemoryKiB), "argon2id-m-KiB")
	b.ReportMetric(float64(p.Iterations), "argon2id-t")
	b.ReportMetric(float64(p.Parallelism), "argon2id-p")
}
