package money_test

import (
	"errors"
	"math"
	"math/big"
	"testing"

	"github.com/crossdock/crossdock/pkg/money"
)

func TestExponent(t *testing.T) {
	tests := []struct {
		code    string
		want    int
		wantErr bool
	}{
		{code: "USD", want: 2},
		{code: "EUR", want: 2},
		{code: "JPY", want: 0},
		{code: "KRW", want: 0},
		{code: "KWD", want: 3},
		{code: "BHD", want: 3},
		{code: "IQD", want: 3},
		{code: "IDR", want: 2},
		{code: "COP", want: 2},
		{code: "ISK", want: 0},
		{code: "MRU", want: 2},
		{code: "VES", want: 2},
		{code: "XCG", want: 2},
		{code: "DEM", wantErr: true},
		{code: "HRK", wantErr: true},
		{code: "CLF", wantErr: true},
		{code: "XDR", wantErr: true},
		{code: "usd", wantErr: true},
		{code: "US", wantErr: true},
		{code: "USDX", wantErr: true},
		{code: "", wantErr: true},
		{code: "ABC", wantErr: true},
		{code: "XXX", wantErr: true},
		{code: "XAU", wantErr: true},
		{code: "XTS", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			got, err := money.Exponent(tt.code)
			if tt.wantErr {
				if !errors.Is(err, money.ErrUnknownCurrency) {
					t.Fatalf("Exponent(%q) error = %v, want ErrUnknownCurrency", tt.code, err)
				}
				if money.ValidCurrency(tt.code) {
					t.Fatalf("ValidCurrency(%q) = true", tt.code)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Exponent(%q) = %d, %v; want %d", tt.code, got, err, tt.want)
			}
		})
	}
}

func TestNew(t *testing.T) {
	if _, err := money.New(100, "ZZZ"); !errors.Is(err, money.ErrUnknownCurrency) {
		t.Fatalf("New with unknown currency: error = %v", err)
	}
	m, err := money.New(-250, "EUR")
	if err != nil || m != (money.Money{Amount: -250, Currency: "EUR"}) {
		t.Fatalf("New(-250, EUR) = %v, %v", m, err)
	}
	if err := (money.Money{Amount: 1}).Validate(); err == nil {
		t.Fatal("zero-currency Money validated")
	}
}

func TestAddSub(t *testing.T) {
	usd := func(n int64) money.Money { return money.MustNew(n, "USD") }
	tests := []struct {
		name    string
		a, b    money.Money
		add     money.Money
		sub     money.Money
		addErr  error
		subErr  error
		skipSub bool
	}{
		{name: "positive", a: usd(150), b: usd(75), add: usd(225), sub: usd(75)},
		{name: "negative", a: usd(-150), b: usd(75), add: usd(-75), sub: usd(-225)},
		{name: "zero", a: usd(0), b: usd(0), add: usd(0), sub: usd(0)},
		{name: "add overflow", a: usd(math.MaxInt64), b: usd(1), addErr: money.ErrOverflow, sub: usd(math.MaxInt64 - 1)},
		{name: "add underflow", a: usd(math.MinInt64), b: usd(-1), addErr: money.ErrOverflow, sub: usd(math.MinInt64 + 1)},
		{name: "sub overflow", a: usd(math.MaxInt64), b: usd(-1), addErr: nil, add: usd(math.MaxInt64 - 1), subErr: money.ErrOverflow},
		{name: "sub underflow", a: usd(math.MinInt64), b: usd(1), add: usd(math.MinInt64 + 1), subErr: money.ErrOverflow},
		{name: "sub min from zero", a: usd(0), b: usd(math.MinInt64), add: usd(math.MinInt64), subErr: money.ErrOverflow},
		{name: "mismatch", a: usd(1), b: money.MustNew(1, "EUR"), addErr: money.ErrCurrencyMismatch, subErr: money.ErrCurrencyMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.a.Add(tt.b)
			if !errors.Is(err, tt.addErr) || (tt.addErr == nil && got != tt.add) {
				t.Errorf("Add = %v, %v; want %v, %v", got, err, tt.add, tt.addErr)
			}
			got, err = tt.a.Sub(tt.b)
			if !errors.Is(err, tt.subErr) || (tt.subErr == nil && got != tt.sub) {
				t.Errorf("Sub = %v, %v; want %v, %v", got, err, tt.sub, tt.subErr)
			}
		})
	}
}

func TestNegMulInt(t *testing.T) {
	if _, err := money.MustNew(math.MinInt64, "USD").Neg(); !errors.Is(err, money.ErrOverflow) {
		t.Errorf("Neg(MinInt64) error = %v", err)
	}
	if got, _ := money.MustNew(-5, "USD").Neg(); got.Amount != 5 {
		t.Errorf("Neg(-5) = %v", got)
	}
	tests := []struct {
		amount, n int64
		want      int64
		overflow  bool
	}{
		{amount: 250, n: 3, want: 750},
		{amount: -250, n: 3, want: -750},
		{amount: 0, n: math.MaxInt64, want: 0},
		{amount: math.MaxInt64, n: 2, overflow: true},
		{amount: math.MinInt64, n: -1, overflow: true},
		{amount: -1, n: math.MinInt64, overflow: true},
		{amount: 1 << 31, n: 1 << 31, want: 1 << 62},
		{amount: 1 << 32, n: 1 << 31, overflow: true},
	}
	for _, tt := range tests {
		got, err := money.MustNew(tt.amount, "USD").MulInt(tt.n)
		if tt.overflow {
			if !errors.Is(err, money.ErrOverflow) {
				t.Errorf("%d×%d error = %v, want overflow", tt.amount, tt.n, err)
			}
			continue
		}
		if err != nil || got.Amount != tt.want {
			t.Errorf("%d×%d = %v, %v; want %d", tt.amount, tt.n, got, err, tt.want)
		}
	}
}

func TestCmp(t *testing.T) {
	c, err := money.MustNew(1, "USD").Cmp(money.MustNew(2, "USD"))
	if err != nil || c != -1 {
		t.Errorf("Cmp = %d, %v", c, err)
	}
	if _, err := money.MustNew(1, "USD").Cmp(money.MustNew(1, "JPY")); !errors.Is(err, money.ErrCurrencyMismatch) {
		t.Errorf("Cmp across currencies error = %v", err)
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		m    money.Money
		want string
	}{
		{money.MustNew(1234, "USD"), "12.34 USD"},
		{money.MustNew(-5, "USD"), "-0.05 USD"},
		{money.MustNew(1234, "JPY"), "1234 JPY"},
		{money.MustNew(1, "KWD"), "0.001 KWD"},
		{money.Money{Amount: 7, Currency: "???"}, "7 ???"},
	}
	for _, tt := range tests {
		if got := tt.m.String(); got != tt.want {
			t.Errorf("String(%#v) = %q, want %q", tt.m, got, tt.want)
		}
	}
}

func TestParseAndFromDecimal(t *testing.T) {
	tests := []struct {
		value, code string
		mode        money.Rounding
		exact       int64 // result of Parse; ignored when exactErr is set
		exactErr    error
		rounded     int64
		roundedErr  error
	}{
		{value: "12.34", code: "USD", exact: 1234, rounded: 1234},
		{value: "12.3", code: "USD", exact: 1230, rounded: 1230},
		{value: "12", code: "USD", exact: 1200, rounded: 1200},
		{value: "-0.05", code: "USD", exact: -5, rounded: -5},
		{value: "1234", code: "JPY", exact: 1234, rounded: 1234},
		{value: "1.234", code: "KWD", exact: 1234, rounded: 1234},
		{value: "1.005", code: "USD", mode: money.HalfEven, exactErr: money.ErrInvalidAmount, rounded: 100},
		{value: "1.015", code: "USD", mode: money.HalfEven, exactErr: money.ErrInvalidAmount, rounded: 102},
		{value: "1.001", code: "USD", mode: money.Ceil, exactErr: money.ErrInvalidAmount, rounded: 101},
		{value: "-1.009", code: "USD", mode: money.Ceil, exactErr: money.ErrInvalidAmount, rounded: -100},
		{value: "1.009", code: "USD", mode: money.Floor, exactErr: money.ErrInvalidAmount, rounded: 100},
		{value: "-1.001", code: "USD", mode: money.Floor, exactErr: money.ErrInvalidAmount, rounded: -101},
		{value: "0.5", code: "JPY", mode: money.HalfEven, exactErr: money.ErrInvalidAmount, rounded: 0},
		{value: "", code: "USD", exactErr: money.ErrInvalidAmount, roundedErr: money.ErrInvalidAmount},
		{value: "1e3", code: "USD", exactErr: money.ErrInvalidAmount, roundedErr: money.ErrInvalidAmount},
		{value: "+1", code: "USD", exactErr: money.ErrInvalidAmount, roundedErr: money.ErrInvalidAmount},
		{value: "--1", code: "USD", exactErr: money.ErrInvalidAmount, roundedErr: money.ErrInvalidAmount},
		{value: "1,000", code: "USD", exactErr: money.ErrInvalidAmount, roundedErr: money.ErrInvalidAmount},
		{value: "1", code: "ABC", exactErr: money.ErrUnknownCurrency, roundedErr: money.ErrUnknownCurrency},
		{value: "92233720368547758.08", code: "USD", exactErr: money.ErrOverflow, roundedErr: money.ErrOverflow},
		{value: "-92233720368547758.08", code: "USD", exact: math.MinInt64, rounded: math.MinInt64},
	}
	for _, tt := range tests {
		t.Run(tt.value+" "+tt.code, func(t *testing.T) {
			got, err := money.Parse(tt.value, tt.code)
			if !errors.Is(err, tt.exactErr) || (tt.exactErr == nil && got.Amount != tt.exact) {
				t.Errorf("Parse = %v, %v; want %d, %v", got, err, tt.exact, tt.exactErr)
			}
			got, err = money.FromDecimal(tt.value, tt.code, tt.mode)
			if !errors.Is(err, tt.roundedErr) || (tt.roundedErr == nil && got.Amount != tt.rounded) {
				t.Errorf("FromDecimal(%s) = %v, %v; want %d, %v", tt.mode, got, err, tt.rounded, tt.roundedErr)
			}
		})
	}
}

func TestMulRate(t *testing.T) {
	tests := []struct {
		amount int64
		rate   string
		mode   money.Rounding
		want   int64
	}{
		{amount: 10000, rate: "0.025", mode: money.HalfEven, want: 250},
		{amount: 999, rate: "0.025", mode: money.HalfEven, want: 25},  // 24.975
		{amount: 100, rate: "0.025", mode: money.HalfEven, want: 2},   // 2.5 → 2
		{amount: 140, rate: "0.025", mode: money.HalfEven, want: 4},   // 3.5 → 4
		{amount: 100, rate: "0.025", mode: money.Ceil, want: 3},       // 2.5 → 3
		{amount: -100, rate: "0.025", mode: money.Ceil, want: -2},     // -2.5 → -2
		{amount: -100, rate: "0.025", mode: money.Floor, want: -3},    // -2.5 → -3
		{amount: -100, rate: "0.025", mode: money.HalfEven, want: -2}, // -2.5 → -2
		{amount: 12345, rate: "0", mode: money.HalfEven, want: 0},
	}
	for _, tt := range tests {
		got, err := money.MustNew(tt.amount, "USD").MulRate(money.MustParseRate(tt.rate), tt.mode)
		if err != nil || got.Amount != tt.want || got.Currency != "USD" {
			t.Errorf("%d × %s (%s) = %v, %v; want %d", tt.amount, tt.rate, tt.mode, got, err, tt.want)
		}
	}
	if _, err := money.MustNew(math.MaxInt64, "USD").MulRate(money.MustParseRate("1.5"), money.HalfEven); !errors.Is(err, money.ErrOverflow) {
		t.Errorf("overflowing MulRate error = %v", err)
	}
	if _, err := money.MustNew(1, "USD").MulRate(money.Rate{}, money.HalfEven); !errors.Is(err, money.ErrInvalidRate) {
		t.Errorf("zero-value Rate error = %v", err)
	}
}

// FuzzAddSub checks Add and Sub against big-integer arithmetic: they succeed
// exactly when the true result fits an int64, and then Sub undoes Add.
func FuzzAddSub(f *testing.F) {
	f.Add(int64(1), int64(2))
	f.Add(int64(math.MaxInt64), int64(1))
	f.Add(int64(math.MinInt64), int64(-1))
	f.Add(int64(0), int64(math.MinInt64))
	f.Fuzz(func(t *testing.T, a, b int64) {
		ma, mb := money.MustNew(a, "EUR"), money.MustNew(b, "EUR")
		for _, op := range []struct {
			name string
			fn   func(money.Money) (money.Money, error)
			want *big.Int
		}{
			{"add", ma.Add, new(big.Int).Add(big.NewInt(a), big.NewInt(b))},
			{"sub", ma.Sub, new(big.Int).Sub(big.NewInt(a), big.NewInt(b))},
		} {
			got, err := op.fn(mb)
			if !op.want.IsInt64() {
				if !errors.Is(err, money.ErrOverflow) {
					t.Fatalf("%d %s %d = %v, %v; want overflow", a, op.name, b, got, err)
				}
				continue
			}
			if err != nil || got.Amount != op.want.Int64() || got.Currency != "EUR" {
				t.Fatalf("%d %s %d = %v, %v; want %s", a, op.name, b, got, err, op.want)
			}
		}
		if sum, err := ma.Add(mb); err == nil {
			if back, err := sum.Sub(mb); err != nil || back != ma {
				t.Fatalf("(%d + %d) - %d = %v, %v", a, b, b, back, err)
			}
		}
	})
}
