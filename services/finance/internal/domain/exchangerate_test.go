package domain_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/finance/internal/domain"
)

func TestNewExchangeRate(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	good := domain.ExchangeRateInput{From: "EUR", To: "USD", Rate: "1.08500000", Source: "ecb"}
	r, err := domain.NewExchangeRate(good, "admin-1", now)
	if err != nil {
		t.Fatal(err)
	}
	if r.Rate.String() != "1.08500000" || !r.EffectiveAt.Equal(now) || r.RecordedBy != "admin-1" {
		t.Errorf("rate = %+v", r)
	}
	tests := []struct {
		name   string
		change func(*domain.ExchangeRateInput)
		bad    []string
	}{
		{"18 decimals", func(in *domain.ExchangeRateInput) { in.Rate = "0." + strings.Repeat("1", 18) }, nil},
		{"18 integer digits", func(in *domain.ExchangeRateInput) { in.Rate = strings.Repeat("9", 18) }, nil},
		{"future effective time", func(in *domain.ExchangeRateInput) { in.EffectiveAt = now.Add(24 * time.Hour) }, nil},
		{"within the clock skew", func(in *domain.ExchangeRateInput) { in.EffectiveAt = now.Add(-domain.MaxRateClockSkew) }, nil},
		{"back-dated", func(in *domain.ExchangeRateInput) {
			in.EffectiveAt = now.Add(-domain.MaxRateClockSkew - time.Microsecond)
		}, []string{"rate.effective_at"}},
		{"a day ago", func(in *domain.ExchangeRateInput) { in.EffectiveAt = now.Add(-24 * time.Hour) }, []string{"rate.effective_at"}},
		{"19 decimals", func(in *domain.ExchangeRateInput) { in.Rate = "0." + strings.Repeat("1", 19) }, []string{"rate.rate"}},
		{"19 integer digits", func(in *domain.ExchangeRateInput) { in.Rate = strings.Repeat("9", 19) }, []string{"rate.rate"}},
		{"zero", func(in *domain.ExchangeRateInput) { in.Rate = "0.000" }, []string{"rate.rate"}},
		{"negative", func(in *domain.ExchangeRateInput) { in.Rate = "-1.2" }, []string{"rate.rate"}},
		{"float syntax", func(in *domain.ExchangeRateInput) { in.Rate = "1e3" }, []string{"rate.rate"}},
		{"missing", func(in *domain.ExchangeRateInput) { in.Rate = "" }, []string{"rate.rate"}},
		{"unknown currency", func(in *domain.ExchangeRateInput) { in.From = "ABC" }, []string{"rate.from_currency"}},
		{"lower case", func(in *domain.ExchangeRateInput) { in.To = "usd" }, []string{"rate.to_currency"}},
		{"same currency", func(in *domain.ExchangeRateInput) { in.To = "EUR" }, []string{"rate.to_currency"}},
		{"not money", func(in *domain.ExchangeRateInput) { in.From = "XAU" }, []string{"rate.from_currency"}},
		{"bad source", func(in *domain.ExchangeRateInput) { in.Source = "" }, []string{"rate.source"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := good
			tt.change(&in)
			_, err := domain.NewExchangeRate(in, "admin-1", now)
			if f := testkit.Fields(t, err); !slices.Equal(f, slices.Sorted(slices.Values(tt.bad))) {
				t.Fatalf("violations = %v, want %v", f, tt.bad)
			}
		})
	}
}
