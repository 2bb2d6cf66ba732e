package app_test

import (
	"errors"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain"
	"github.com/crossdock/crossdock/services/finance/internal/domain/fx"
)

func TestQuoteConversion(t *testing.T) {
	clk := &clock{t: t0}
	policy := fx.DefaultPolicy()
	policy.SpreadBps = 100
	policy.MaxRateAgeBySource = map[string]time.Duration{"manual": 720 * time.Hour}
	s := newService(t, app.WithClock(clk.now), app.WithFX(policy))
	for _, r := range []domain.ExchangeRateInput{
		{From: "USD", To: "JPY", Rate: "150", Source: "ecb"},
		{From: "USD", To: "EUR", Rate: "0.92", Source: "manual"},
	} {
		if _, err := s.SetExchangeRate(ctx, admin, r); err != nil {
			t.Fatal(err)
		}
	}
	clk.t = t0.Add(time.Hour)
	q, err := s.QuoteConversion(ctx, buyer, fx.QuoteInput{From: "USD", To: "JPY", Amount: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if q.Rate.String() != "148.5" || q.Mid.String() != "150" || q.Converted != 1485 || q.CreatedBy != "buyer-1" ||
		!q.ExpiresAt.Equal(clk.t.Add(10*time.Minute)) || !q.RateEffectiveAt.Equal(t0) || q.ID == "" {
		t.Errorf("quote = %+v (rate %s)", q, q.Rate)
	}

	// Read back: the quoter, services and admins see it; another buyer
	// cannot tell it exists.
	other := auth.Caller{Subject: "buyer-2", Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}}
	readers := []struct {
		name   string
		caller auth.Caller
		ok     bool
	}{
		{"the quoter", buyer, true},
		{"a service", svcs, true},
		{"an admin", admin, true},
		{"another buyer", other, false},
	}
	for _, r := range readers {
		got, err := s.GetQuote(ctx, r.caller, q.ID)
		if r.ok && (err != nil || got.ID != q.ID || got.Rate.String() != "148.5" || got.Converted != 1485 || !got.ExpiresAt.Equal(q.ExpiresAt)) {
			t.Errorf("%s: %+v, %v", r.name, got, err)
		}
		if !r.ok && !apperr.IsKind(err, apperr.KindNotFound) {
			t.Errorf("%s: %v, want NotFound", r.name, err)
		}
	}
	if _, err := s.GetQuote(ctx, buyer, "not-a-uuid"); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Errorf("bad id: %v", err)
	}

	// A day and a bit later the ECB rate is stale; the manual one still
	// serves under its own limit.
	clk.t = t0.Add(27 * time.Hour)
	tests := []struct {
		name    string
		caller  auth.Caller
		in      fx.QuoteInput
		wantErr func(error) bool
	}{
		{"stale ecb rate", buyer, fx.QuoteInput{From: "USD", To: "JPY"}, func(err error) bool { return errors.Is(err, fx.ErrRateStale) }},
		{"manual rate within its limit", svcs, fx.QuoteInput{From: "USD", To: "EUR", Amount: 100}, func(err error) bool { return err == nil }},
		{"no rate for the pair", buyer, fx.QuoteInput{From: "EUR", To: "USD"}, func(err error) bool { return apperr.IsKind(err, apperr.KindNotFound) }},
		{"bad input", buyer, fx.QuoteInput{From: "USD", To: "USD", Amount: -1}, func(err error) bool { return apperr.IsKind(err, apperr.KindInvalid) }},
		{"anonymous", auth.Caller{}, fx.QuoteInput{From: "USD", To: "EUR"}, func(err error) bool { return errors.Is(err, auth.ErrAuthenticationRequired) }},
	}
	for _, tt := range tests {
		if _, err := s.QuoteConversion(ctx, tt.caller, tt.in); !tt.wantErr(err) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}
