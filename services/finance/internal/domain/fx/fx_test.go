package fx_test

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/finance/internal/domain"
	"github.com/crossdock/crossdock/services/finance/internal/domain/fx"
)

var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func rate(from, to, r, source string, age time.Duration) domain.ExchangeRate {
	return domain.ExchangeRate{From: from, To: to, Rate: money.MustParseRate(r), Source: source, EffectiveAt: now.Add(-age)}
}

func TestParseMaxAgeBySource(t *testing.T) {
	tests := []struct {
		in      string
		want    map[string]time.Duration
		wantErr bool
	}{
		{in: "", want: map[string]time.Duration{}},
		{in: "ecb=26h,manual=720h", want: map[string]time.Duration{"ecb": 26 * time.Hour, "manual": 720 * time.Hour}},
		{in: " ecb = 1h30m ", want: map[string]time.Duration{"ecb": 90 * time.Minute}},
		{in: "ecb", wantErr: true},
		{in: "=1h", wantErr: true},
		{in: "ecb=soon", wantErr: true},
		{in: "ecb=-1h", wantErr: true},
		{in: "ecb=1h,ecb=2h", wantErr: true},
	}
	for _, tt := range tests {
		got, err := fx.ParseMaxAgeBySource(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("%q: error %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && !mapsEqual(got, tt.want) {
			t.Errorf("%q = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func mapsEqual(a, b map[string]time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestPolicyValidate(t *testing.T) {
	good := fx.DefaultPolicy()
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change func(*fx.Policy)
	}{
		{"zero max age", func(p *fx.Policy) { p.MaxRateAge = 0 }},
		{"zero source age", func(p *fx.Policy) { p.MaxRateAgeBySource = map[string]time.Duration{"ecb": 0} }},
		{"negative spread", func(p *fx.Policy) { p.SpreadBps = -1 }},
		{"huge spread", func(p *fx.Policy) { p.SpreadBps = fx.MaxSpreadBps + 1 }},
		{"short ttl", func(p *fx.Policy) { p.QuoteTTL = time.Second }},
		{"long ttl", func(p *fx.Policy) { p.QuoteTTL = 25 * time.Hour }},
	}
	for _, tt := range tests {
		p := good
		tt.change(&p)
		if p.Validate() == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
}

func TestCheckFresh(t *testing.T) {
	p := fx.DefaultPolicy()
	p.MaxRateAgeBySource = map[string]time.Duration{"manual": 720 * time.Hour}
	tests := []struct {
		name  string
		r     domain.ExchangeRate
		stale bool
	}{
		{"ecb an hour old", rate("EUR", "USD", "1.08", "ecb", time.Hour), false},
		{"ecb exactly at the limit", rate("EUR", "USD", "1.08", "ecb", 26*time.Hour), false},
		{"ecb just past the limit", rate("EUR", "USD", "1.08", "ecb", 26*time.Hour+time.Microsecond), true},
		{"unknown source uses the default", rate("EUR", "USD", "1.08", "demo", 27*time.Hour), true},
		{"manual a week old", rate("EUR", "USD", "1.08", "manual", 7*24*time.Hour), false},
		{"manual two months old", rate("EUR", "USD", "1.08", "manual", 60*24*time.Hour), true},
		{"scheduled in the future", rate("EUR", "USD", "1.08", "ecb", -time.Hour), false},
	}
	for _, tt := range tests {
		err := p.CheckFresh(tt.r, now)
		if tt.stale != errors.Is(err, fx.ErrRateStale) {
			t.Errorf("%s: %v, want stale %v", tt.name, err, tt.stale)
		}
		if tt.stale && !apperr.IsKind(err, apperr.KindFailedPrecondition) {
			t.Errorf("%s: kind %v", tt.name, apperr.KindOf(err))
		}
	}
}

func TestNewQuote(t *testing.T) {
	p := fx.DefaultPolicy()
	tests := []struct {
		name          string
		in            fx.QuoteInput
		mid           domain.ExchangeRate
		wantRate      string
		wantConverted int64
		bad           []string
		wantErr       error
	}{
		{name: "rate alone", in: fx.QuoteInput{From: "USD", To: "EUR"}, mid: rate("USD", "EUR", "0.9217", "ecb", time.Hour), wantRate: "0.9170915"},
		{name: "with an amount", in: fx.QuoteInput{From: "USD", To: "JPY", Amount: 10000}, mid: rate("USD", "JPY", "151.5", "ecb", time.Hour),
			wantRate: "150.7425", wantConverted: 15074}, // 15074.25 → 15074
		{name: "half-even tie", in: fx.QuoteInput{From: "USD", To: "JPY", Amount: 200}, mid: rate("USD", "JPY", "151.5", "ecb", time.Hour),
			wantRate: "150.7425", wantConverted: 301}, // 301.485 → 301
		{name: "stale", in: fx.QuoteInput{From: "USD", To: "EUR"}, mid: rate("USD", "EUR", "0.9217", "ecb", 48*time.Hour), wantErr: fx.ErrRateStale},
		{name: "negative amount", in: fx.QuoteInput{From: "USD", To: "EUR", Amount: -1}, bad: []string{"amount_minor"}},
		{name: "a lock under a second", in: fx.QuoteInput{From: "USD", To: "EUR", LockFor: time.Nanosecond}, bad: []string{"lock_for"}},
		{name: "bad pair", in: fx.QuoteInput{From: "usd", To: "XAU"}, bad: []string{"from_currency", "to_currency"}},
		{name: "same currency", in: fx.QuoteInput{From: "USD", To: "USD"}, bad: []string{"to_currency"}},
		{name: "overflow", in: fx.QuoteInput{From: "USD", To: "JPY", Amount: math.MaxInt64}, mid: rate("USD", "JPY", "151.5", "ecb", time.Hour), bad: []string{"amount_minor"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := fx.NewQuote(tt.in, tt.mid, p, "q-1", "buyer-1", now)
			switch {
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error = %v, want %v", err, tt.wantErr)
				}
				return
			case tt.bad != nil:
				if f := testkit.Fields(t, err); !slices.Equal(f, slices.Sorted(slices.Values(tt.bad))) {
					t.Fatalf("violations = %v, want %v", f, tt.bad)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if q.Rate.String() != tt.wantRate || q.Mid.String() != tt.mid.Rate.String() || q.Converted != tt.wantConverted ||
				q.Amount != tt.in.Amount || q.SpreadBps != 50 || !q.ExpiresAt.Equal(now.Add(10*time.Minute)) || q.Source != "ecb" {
				t.Fatalf("quote = %+v (rate %s)", q, q.Rate)
			}
			// The spread never favours the customer.
			if q.Rate.Rat().Cmp(q.Mid.Rat()) >= 0 {
				t.Errorf("rate %s is not below mid %s", q.Rate, q.Mid)
			}
		})
	}
}

func TestQuoteExpiry(t *testing.T) {
	q, err := fx.NewQuote(fx.QuoteInput{From: "USD", To: "EUR"}, rate("USD", "EUR", "0.9217", "ecb", time.Hour), fx.DefaultPolicy(), "q-1", "buyer-1", now)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		at      time.Time
		expired bool
	}{
		{now, false},
		{q.ExpiresAt.Add(-time.Microsecond), false},
		{q.ExpiresAt, true},
		{q.ExpiresAt.Add(time.Hour), true},
	}
	for _, tt := range tests {
		got, err := q.Convert(money.MustNew(10000, "USD"), tt.at)
		if tt.expired != errors.Is(err, fx.ErrQuoteExpired) {
			t.Errorf("at %v: %v, %v; want expired %v", tt.at, got, err, tt.expired)
		}
		if !tt.expired && got != money.MustNew(9171, "EUR") { // 91.70915 → 91.71
			t.Errorf("at %v: %v", tt.at, got)
		}
	}
	if _, err := q.Convert(money.MustNew(1, "EUR"), now); !apperr.IsKind(err, apperr.KindInvalid) {
		t.Errorf("wrong currency: %v", err)
	}
	if s := q.Snapshot(); s.Rate != "0.9170915" || s.QuoteID != "q-1" || s.From != "USD" || s.To != "EUR" {
		t.Errorf("snapshot = %+v", s)
	}
}
