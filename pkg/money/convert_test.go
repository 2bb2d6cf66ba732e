package money_test

import (
	"errors"
	"math"
	"math/big"
	"testing"

	"github.com/crossdock/crossdock/pkg/money"
)

func TestParseRate(t *testing.T) {
	tests := []struct {
		in      string
		want    string // String() after parsing
		rat     string // exact value as a fraction
		wantErr bool
	}{
		{in: "1", want: "1", rat: "1/1"},
		{in: "151.5", want: "151.5", rat: "303/2"},
		{in: "0.00662251", want: "0.00662251", rat: "662251/100000000"},
		{in: "0.123456789012", want: "0.123456789012", rat: "30864197253/250000000000"},
		{in: "1.10", want: "1.10", rat: "11/10"},
		{in: "0", want: "0", rat: "0/1"},
		{in: "", wantErr: true},
		{in: ".5", wantErr: true},
		{in: "5.", wantErr: true},
		{in: "-1", wantErr: true},
		{in: "+1", wantErr: true},
		{in: "1e-3", wantErr: true},
		{in: "1.2.3", wantErr: true},
		{in: " 1", wantErr: true},
		{in: "1234567890123456789012345678901234567", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := money.ParseRate(tt.in)
			if tt.wantErr {
				if !errors.Is(err, money.ErrInvalidRate) {
					t.Fatalf("ParseRate(%q) error = %v, want ErrInvalidRate", tt.in, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseRate(%q): %v", tt.in, err)
			}
			if r.String() != tt.want || r.Rat().String() != tt.rat {
				t.Fatalf("ParseRate(%q) = %s (%s), want %s (%s)", tt.in, r, r.Rat(), tt.want, tt.rat)
			}
		})
	}
}

func TestConvert(t *testing.T) {
	tests := []struct {
		name     string
		from     money.Money
		to, rate string
		want     int64
		wantErr  error
	}{
		{name: "USD to JPY", from: money.MustNew(100, "USD"), to: "JPY", rate: "151.23", want: 151},
		{name: "USD to JPY large", from: money.MustNew(1999, "USD"), to: "JPY", rate: "151.23456789", want: 3023},   // 3023.1790...
		{name: "USD to JPY tie to even down", from: money.MustNew(100, "USD"), to: "JPY", rate: "150.5", want: 150}, // 150.5
		{name: "USD to JPY tie to even up", from: money.MustNew(100, "USD"), to: "JPY", rate: "151.5", want: 152},   // 151.5
		{name: "JPY to USD", from: money.MustNew(10000, "JPY"), to: "USD", rate: "0.00662251", want: 6623},          // 66.2251 USD
		{name: "JPY to USD small", from: money.MustNew(1, "JPY"), to: "USD", rate: "0.0066", want: 1},               // 0.66 cents
		{name: "JPY to USD rounds to zero", from: money.MustNew(1, "JPY"), to: "USD", rate: "0.0049", want: 0},      // 0.49 cents
		{name: "USD to KWD", from: money.MustNew(10000, "USD"), to: "KWD", rate: "0.30712345", want: 30712},         // 30.712345 KWD
		{name: "KWD to JPY", from: money.MustNew(1, "KWD"), to: "JPY", rate: "492.5", want: 0},                      // 0.4925 yen
		{name: "KWD to JPY tie", from: money.MustNew(2, "KWD"), to: "JPY", rate: "250", want: 0},                    // 0.5 → 0
		{name: "KWD to JPY tie odd", from: money.MustNew(6, "KWD"), to: "JPY", rate: "250", want: 2},                // 1.5 → 2
		{name: "half-even 2.5", from: money.MustNew(25, "USD"), to: "EUR", rate: "0.1", want: 2},                    // 2.5 → 2
		{name: "half-even 3.5", from: money.MustNew(35, "USD"), to: "EUR", rate: "0.1", want: 4},                    // 3.5 → 4
		{name: "half-even -2.5", from: money.MustNew(-25, "USD"), to: "EUR", rate: "0.1", want: -2},                 // -2.5 → -2
		{name: "half-even -3.5", from: money.MustNew(-35, "USD"), to: "EUR", rate: "0.1", want: -4},                 // -3.5 → -4
		{name: "negative refund", from: money.MustNew(-1999, "USD"), to: "JPY", rate: "151.23456789", want: -3023},  // -3023.179
		{name: "just above tie", from: money.MustNew(251, "USD"), to: "EUR", rate: "0.01", want: 3},                 // 2.51
		{name: "same currency", from: money.MustNew(12345, "EUR"), to: "EUR", rate: "1", want: 12345},
		{name: "overflow", from: money.MustNew(math.MaxInt64, "USD"), to: "JPY", rate: "151", wantErr: money.ErrOverflow},
		{name: "overflow via exponent", from: money.MustNew(math.MaxInt64/10, "JPY"), to: "KWD", rate: "1", wantErr: money.ErrOverflow},
		{name: "unknown source", from: money.Money{Amount: 1, Currency: "ABC"}, to: "USD", rate: "1", wantErr: money.ErrUnknownCurrency},
		{name: "unknown target", from: money.MustNew(1, "USD"), to: "ABC", rate: "1", wantErr: money.ErrUnknownCurrency},
		{name: "zero rate", from: money.MustNew(1, "USD"), to: "EUR", rate: "0", wantErr: money.ErrInvalidRate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := money.Convert(tt.from, tt.to, money.MustParseRate(tt.rate))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Convert error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Convert: %v", err)
			}
			if got != (money.Money{Amount: tt.want, Currency: tt.to}) {
				t.Fatalf("Convert(%s, %s, %s) = %v, want %d %s", tt.from, tt.to, tt.rate, got, tt.want, tt.to)
			}
		})
	}
	if _, err := money.Convert(money.MustNew(1, "USD"), "EUR", money.Rate{}); !errors.Is(err, money.ErrInvalidRate) {
		t.Errorf("zero-value Rate error = %v", err)
	}
}

func TestConvertRounded(t *testing.T) {
	tests := []struct {
		amount int64
		mode   money.Rounding
		want   int64
	}{
		{amount: 1, mode: money.Ceil, want: 1},     // 0.66 → 1
		{amount: 1, mode: money.Floor, want: 0},    // 0.66 → 0
		{amount: -1, mode: money.Ceil, want: 0},    // -0.66 → 0
		{amount: -1, mode: money.Floor, want: -1},  // -0.66 → -1
		{amount: 100, mode: money.Ceil, want: 66},  // exact
		{amount: 100, mode: money.Floor, want: 66}, // exact
	}
	for _, tt := range tests {
		got, err := money.ConvertRounded(money.MustNew(tt.amount, "JPY"), "USD", money.MustParseRate("0.0066"), tt.mode)
		if err != nil || got.Amount != tt.want {
			t.Errorf("ConvertRounded(%d JPY, %s) = %v, %v; want %d", tt.amount, tt.mode, got, err, tt.want)
		}
	}
}

// FuzzConvertIdentity checks that a rate of 1 between currencies with the
// same exponent never changes the amount, and that conversion agrees with an
// independent half-even reference for an arbitrary rate.
func FuzzConvertIdentity(f *testing.F) {
	f.Add(int64(0), uint32(1), uint8(0))
	f.Add(int64(-1), uint32(5), uint8(1))
	f.Add(int64(math.MaxInt64), uint32(15), uint8(2))
	f.Add(int64(math.MinInt64), uint32(250000), uint8(6))
	f.Fuzz(func(t *testing.T, amount int64, mantissa uint32, scale uint8) {
		for _, pair := range [][2]string{{"USD", "EUR"}, {"JPY", "KRW"}, {"KWD", "BHD"}} {
			got, err := money.Convert(money.MustNew(amount, pair[0]), pair[1], money.MustParseRate("1"))
			if err != nil || got != (money.Money{Amount: amount, Currency: pair[1]}) {
				t.Fatalf("Convert(%d %s → %s, 1) = %v, %v", amount, pair[0], pair[1], got, err)
			}
		}

		// Reference: round amount × mantissa / 10^scale half-even with big.Float
		// at high precision, independent of the package's integer arithmetic.
		if mantissa == 0 {
			return
		}
		scale %= 12
		rateStr := new(big.Rat).SetFrac(big.NewInt(int64(mantissa)), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)).FloatString(int(scale))
		got, err := money.Convert(money.MustNew(amount, "USD"), "EUR", money.MustParseRate(rateStr))
		exact := new(big.Rat).Mul(new(big.Rat).SetInt64(amount), new(big.Rat).SetFrac(big.NewInt(int64(mantissa)), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)))
		want, fits := referenceHalfEven(exact)
		if !fits {
			if !errors.Is(err, money.ErrOverflow) {
				t.Fatalf("Convert(%d, %s) = %v, %v; want overflow", amount, rateStr, got, err)
			}
			return
		}
		if err != nil || got.Amount != want {
			t.Fatalf("Convert(%d, %s) = %v, %v; want %d", amount, rateStr, got, err, want)
		}
	})
}

// referenceHalfEven rounds x half-even using floor(x + 1/2) and a parity fix
// for exact ties, a different formulation from the package's remainder test.
func referenceHalfEven(x *big.Rat) (int64, bool) {
	half := big.NewRat(1, 2)
	shifted := new(big.Rat).Add(x, half)
	floor := new(big.Int).Div(shifted.Num(), shifted.Denom()) // Euclidean division floors for positive denominators
	if shifted.IsInt() && floor.Bit(0) == 1 {
		floor.Sub(floor, big.NewInt(1)) // exact tie landed on odd: step back to even
	}
	return floor.Int64(), floor.IsInt64()
}
