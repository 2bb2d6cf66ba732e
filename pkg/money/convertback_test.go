package money_test

import (
	"errors"
	"math/big"
	"testing"

	"github.com/crossdock/crossdock/pkg/money"
)

func TestConvertBack(t *testing.T) {
	tests := []struct {
		name    string
		m       money.Money
		to      string
		rate    string // the original to → m.Currency rate
		want    int64
		wantErr error
	}{
		{name: "EUR back to USD", m: money.MustNew(9217, "EUR"), to: "USD", rate: "0.9217", want: 10000},
		{name: "JPY back to USD", m: money.MustNew(15150, "JPY"), to: "USD", rate: "151.5", want: 10000},
		{name: "part of it", m: money.MustNew(1000, "JPY"), to: "USD", rate: "151.5", want: 660},      // 6.6007 USD
		{name: "tie to even down", m: money.MustNew(25, "EUR"), to: "USD", rate: "10", want: 2},       // 2.5 → 2
		{name: "tie to even up", m: money.MustNew(35, "EUR"), to: "USD", rate: "10", want: 4},         // 3.5 → 4
		{name: "negative tie", m: money.MustNew(-25, "EUR"), to: "USD", rate: "10", want: -2},         // -2.5 → -2
		{name: "KWD back to JPY", m: money.MustNew(1000, "KWD"), to: "JPY", rate: "0.002", want: 500}, // 1 KWD / 0.002
		{name: "zero rate", m: money.MustNew(1, "EUR"), to: "USD", rate: "0", wantErr: money.ErrInvalidRate},
		{name: "unknown currency", m: money.MustNew(1, "EUR"), to: "ABC", rate: "1", wantErr: money.ErrUnknownCurrency},
		{name: "overflow", m: money.MustNew(1<<62, "EUR"), to: "USD", rate: "0.1", wantErr: money.ErrOverflow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := money.ConvertBack(tt.m, tt.to, money.MustParseRate(tt.rate))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != (money.Money{Amount: tt.want, Currency: tt.to}) {
				t.Fatalf("ConvertBack(%s, %s, %s) = %v, %v; want %d", tt.m, tt.to, tt.rate, got, err, tt.want)
			}
		})
	}
}

func TestFromRat(t *testing.T) {
	tests := []struct {
		x    *big.Rat
		mode money.Rounding
		want int64
	}{
		{big.NewRat(5, 2), money.HalfEven, 2},
		{big.NewRat(5, 2), money.Ceil, 3},
		{big.NewRat(10001, 10000), money.Ceil, 2},
		{big.NewRat(-5, 2), money.Floor, -3},
		{big.NewRat(4, 1), money.Ceil, 4},
	}
	for _, tt := range tests {
		got, err := money.FromRat(tt.x, "USD", tt.mode)
		if err != nil || got.Amount != tt.want || got.Currency != "USD" {
			t.Errorf("FromRat(%s, %s) = %v, %v; want %d", tt.x, tt.mode, got, err, tt.want)
		}
	}
	if _, err := money.FromRat(new(big.Rat).SetFrac(new(big.Int).Lsh(big.NewInt(1), 70), big.NewInt(1)), "USD", money.Ceil); !errors.Is(err, money.ErrOverflow) {
		t.Errorf("overflow: %v", err)
	}
	if _, err := money.FromRat(big.NewRat(1, 1), "ABC", money.Ceil); !errors.Is(err, money.ErrUnknownCurrency) {
		t.Errorf("unknown currency: %v", err)
	}
}

func TestAdjustBasisPoints(t *testing.T) {
	tests := []struct {
		rate    string
		bps     int64
		scale   int
		mode    money.Rounding
		want    string
		wantErr bool
	}{
		{rate: "0.9217", bps: -50, scale: 18, mode: money.Floor, want: "0.9170915"},
		{rate: "151.5", bps: -50, scale: 18, mode: money.Floor, want: "150.7425"},
		{rate: "151.5", bps: 50, scale: 18, mode: money.Ceil, want: "152.2575"},
		{rate: "1", bps: 0, scale: 18, mode: money.Floor, want: "1"},
		{rate: "0.00662251", bps: -50, scale: 8, mode: money.Floor, want: "0.00658939"}, // 0.0065893974…
		{rate: "0.00662251", bps: -50, scale: 8, mode: money.Ceil, want: "0.0065894"},
		{rate: "0.000000000000000001", bps: -50, scale: 18, mode: money.Floor, wantErr: true}, // rounds to zero
		{rate: "1", bps: -10000, scale: 18, mode: money.Floor, wantErr: true},
		{rate: "0", bps: 0, scale: 18, mode: money.Floor, wantErr: true},
	}
	for _, tt := range tests {
		got, err := money.MustParseRate(tt.rate).AdjustBasisPoints(tt.bps, tt.scale, tt.mode)
		if tt.wantErr {
			if !errors.Is(err, money.ErrInvalidRate) {
				t.Errorf("%s %+d bps: %v, %v; want ErrInvalidRate", tt.rate, tt.bps, got, err)
			}
			continue
		}
		if err != nil || got.String() != tt.want {
			t.Errorf("%s %+d bps at %d places %s = %v, %v; want %s", tt.rate, tt.bps, tt.scale, tt.mode, got, err, tt.want)
		}
	}
}
