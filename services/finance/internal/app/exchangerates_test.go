package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/finance/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain"
	"github.com/crossdock/crossdock/services/finance/migrations"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var (
	ctx   = context.Background()
	t0    = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	admin = auth.Caller{Subject: "admin-1", Kind: auth.KindUser, Roles: []string{auth.RoleAdmin}}
	buyer = auth.Caller{Subject: "buyer-1", Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}}
	svcs  = auth.Caller{Subject: "freight-estimator", Kind: auth.KindService, Roles: []string{auth.RoleService}}
)

// newService returns the use cases on a fresh database, at t0 unless an
// option sets another clock.
func newService(t *testing.T, opts ...app.Option) *app.Service {
	t.Helper()
	pool := testkit.Database(t, testkit.Migrations{Name: "finance", FS: migrations.FS})
	return app.New(postgres.New(pool), append([]app.Option{app.WithClock(func() time.Time { return t0 })}, opts...)...)
}

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestExchangeRates(t *testing.T) {
	clk := &clock{t: t0.Add(-48 * time.Hour)}
	s := newService(t, app.WithClock(clk.now))
	set := func(rate string, at time.Time) (domain.ExchangeRate, error) {
		return s.SetExchangeRate(ctx, admin, domain.ExchangeRateInput{From: "EUR", To: "USD", Rate: rate, Source: "ecb", EffectiveAt: at})
	}
	if _, err := set("1.08", t0.Add(-48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	clk.t = t0.Add(-24 * time.Hour)
	r, err := set("1.09250000", t0.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	// NUMERIC's padding is gone; the value is exact.
	if r.Rate.String() != "1.0925" || r.RecordedBy != "admin-1" || !r.RecordedAt.Equal(t0.Add(-24*time.Hour)) {
		t.Errorf("stored = %+v (rate %s)", r, r.Rate)
	}
	// A retry within the clock skew returns the recorded rate; another
	// value at the same time is refused.
	clk.t = t0.Add(-24*time.Hour + 30*time.Second)
	again, err := set("1.0925", t0.Add(-24*time.Hour))
	if err != nil || !again.RecordedAt.Equal(t0.Add(-24*time.Hour)) {
		t.Errorf("idempotent retry: %+v, %v", again, err)
	}
	if _, err := set("1.0926", t0.Add(-24*time.Hour)); !errors.Is(err, app.ErrRateExists) {
		t.Errorf("conflicting rate: %v", err)
	}
	clk.t = t0
	if _, err := set("1.10", t0.Add(time.Hour)); err != nil { // scheduled
		t.Fatal(err)
	}
	// No back-dating: a rate cannot take effect before now.
	if _, err := set("1.07", t0.Add(-2*time.Minute)); !apperr.IsKind(err, apperr.KindInvalid) {
		t.Errorf("back-dated rate: %v", err)
	}
	tests := []struct {
		name string
		at   time.Time
		want string
	}{
		{"now (unset)", time.Time{}, "1.0925"},
		{"exactly at an effective time", t0.Add(-24 * time.Hour), "1.0925"},
		{"just before it", t0.Add(-24*time.Hour - time.Microsecond), "1.08"},
		{"after the scheduled one", t0.Add(2 * time.Hour), "1.1"},
	}
	for _, tt := range tests {
		got, err := s.GetExchangeRate(ctx, svcs, "EUR", "USD", tt.at, false)
		if err != nil || got.Rate.String() != tt.want {
			t.Errorf("%s: %v, %v; want %s", tt.name, got.Rate, err, tt.want)
		}
	}
	// Asked fresh, to price with, a rate older than its source allows
	// (ecb: 26 hours by default) is RATE_STALE, as a quote would refuse it;
	// one within it is answered.
	if got, err := s.GetExchangeRate(ctx, svcs, "EUR", "USD", t0, true); err != nil || got.Rate.String() != "1.0925" {
		t.Errorf("fresh at 24 hours old: %v, %v; want 1.0925", got.Rate, err)
	}
	if got, err := s.GetExchangeRate(ctx, svcs, "EUR", "USD", t0.Add(2*time.Hour), true); err != nil || got.Rate.String() != "1.1" {
		t.Errorf("fresh an hour after the scheduled rate took effect: %v, %v; want 1.1", got.Rate, err)
	}
	_, err = s.GetExchangeRate(ctx, svcs, "EUR", "USD", t0.Add(28*time.Hour), true)
	var e *apperr.Error
	if !errors.As(err, &e) || e.Reason != "RATE_STALE" || e.Kind != apperr.KindFailedPrecondition {
		t.Errorf("fresh at 27 hours old: %v, want FAILED_PRECONDITION RATE_STALE", err)
	}
	if got, err := s.GetExchangeRate(ctx, svcs, "EUR", "USD", t0.Add(28*time.Hour), false); err != nil || got.Rate.String() != "1.1" {
		t.Errorf("not asked fresh, at 27 hours old: %v, %v; want 1.1", got.Rate, err)
	}
	// Before the first rate, and the inverse pair: NotFound.
	if _, err := s.GetExchangeRate(ctx, buyer, "EUR", "USD", t0.Add(-72*time.Hour), false); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Errorf("before the first rate: %v", err)
	}
	if _, err := s.GetExchangeRate(ctx, buyer, "USD", "EUR", time.Time{}, false); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Errorf("inverse pair: %v", err)
	}
	if _, err := s.GetExchangeRate(ctx, buyer, "EUR", "EUR", time.Time{}, false); !apperr.IsKind(err, apperr.KindInvalid) {
		t.Errorf("same currency: %v", err)
	}
	// Only admins set rates; a huge and a tiny rate round-trip exactly.
	if _, err := s.SetExchangeRate(ctx, buyer, domain.ExchangeRateInput{From: "USD", To: "JPY", Rate: "151.5", Source: "ecb"}); !errors.Is(err, app.ErrAdminsOnly) {
		t.Errorf("buyer set: %v", err)
	}
	for _, rate := range []string{"999999999999999999.999999999999999999", "0.000000000000000001"} { // distinct lengths, distinct times
		r, err := s.SetExchangeRate(ctx, admin, domain.ExchangeRateInput{From: "USD", To: "VND", Rate: rate, Source: "manual", EffectiveAt: t0.Add(time.Duration(len(rate)) * time.Minute)})
		if err != nil || r.Rate.String() != rate {
			t.Errorf("rate %s stored as %v (%v)", rate, r.Rate, err)
		}
	}
}
