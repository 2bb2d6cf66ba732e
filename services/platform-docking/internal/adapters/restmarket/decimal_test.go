package restmarket

import (
	"testing"

	"github.com/crossdock/crossdock/pkg/money"
)

// Amounts cross the wire as decimals in major units with the currency's
// exponent, exactly both ways.
func TestDecimal(t *testing.T) {
	tests := []struct {
		minor    int64
		currency string
		wire     string
	}{
		{1234, "USD", "12.34"},
		{5, "USD", "0.05"},
		{0, "EUR", "0.00"},
		{-250, "EUR", "-2.50"},
		{1234, "JPY", "1234"},
		{1234, "KWD", "1.234"},
		{9_007_199_254_740_993, "USD", "90071992547409.93"}, // beyond float64's exact integers
	}
	for _, tt := range tests {
		t.Run(tt.wire+" "+tt.currency, func(t *testing.T) {
			got, err := formatMajor(money.MustNew(tt.minor, tt.currency))
			if err != nil || got != tt.wire {
				t.Errorf("formatMajor = %q, %v; want %q", got, err, tt.wire)
			}
			back, err := parseMajor(tt.wire, tt.currency)
			if err != nil || back != money.MustNew(tt.minor, tt.currency) {
				t.Errorf("parseMajor = %v, %v; want %d", back, err, tt.minor)
			}
		})
	}
}

func TestParseMajorAcceptsFewerPlaces(t *testing.T) {
	for wire, want := range map[string]int64{"12": 1200, "12.3": 1230, "0.5": 50} {
		if got, err := parseMajor(wire, "USD"); err != nil || got.Amount != want {
			t.Errorf("parseMajor(%q) = %v, %v; want %d", wire, got, err, want)
		}
	}
}

func TestParseMajorRefuses(t *testing.T) {
	tests := []struct{ wire, currency string }{
		{"12.345", "USD"}, // more places than the currency has: never rounded
		{"12.5", "JPY"},
		{"1e3", "USD"},
		{"", "USD"},
		{"12.", "USD"},
		{".5", "USD"},
		{"+1", "USD"},
		{"1,000", "USD"},
		{"99999999999999999999", "JPY"},
		{"12", "XYZ"},
	}
	for _, tt := range tests {
		if got, err := parseMajor(tt.wire, tt.currency); err == nil {
			t.Errorf("parseMajor(%q, %s) = %v, want an error", tt.wire, tt.currency, got)
		}
	}
}
