package money

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
)

// ErrCurrencyMismatch is returned when an operation combines two currencies
// without an explicit conversion.
var ErrCurrencyMismatch = errors.New("money: currency mismatch")

// ErrInvalidAmount is returned for a decimal string that is not an amount.
var ErrInvalidAmount = errors.New("money: invalid amount")

// Money is an amount in minor units of a currency: {1234, "USD"} is 12.34 USD
// and {1234, "JPY"} is 1234 JPY. The zero value has no currency and is not a
// valid amount; build values with New or Parse.
type Money struct {
	Amount   int64
	Currency string
}

// New validates the currency code and returns the amount in its minor units.
func New(amount int64, code string) (Money, error) {
	if _, err := Exponent(code); err != nil {
		return Money{}, err
	}
	return Money{Amount: amount, Currency: code}, nil
}

// MustNew is New for constants in code and tests; it panics on an unknown currency.
func MustNew(amount int64, code string) Money {
	m, err := New(amount, code)
	if err != nil {
		panic(err)
	}
	return m
}

// Validate reports whether the currency is known, for amounts that arrive
// from the wire as plain structs.
func (m Money) Validate() error {
	_, err := Exponent(m.Currency)
	return err
}

// Add returns m+o. Both must be in the same currency.
func (m Money) Add(o Money) (Money, error) {
	if err := m.sameCurrency(o, "add"); err != nil {
		return Money{}, err
	}
	if (o.Amount > 0 && m.Amount > math.MaxInt64-o.Amount) ||
		(o.Amount < 0 && m.Amount < math.MinInt64-o.Amount) {
		return Money{}, fmt.Errorf("add %s to %s: %w", o, m, ErrOverflow)
	}
	return Money{Amount: m.Amount + o.Amount, Currency: m.Currency}, nil
}

// Sub returns m-o. Both must be in the same currency.
func (m Money) Sub(o Money) (Money, error) {
	if err := m.sameCurrency(o, "subtract"); err != nil {
		return Money{}, err
	}
	if (o.Amount < 0 && m.Amount > math.MaxInt64+o.Amount) ||
		(o.Amount > 0 && m.Amount < math.MinInt64+o.Amount) {
		return Money{}, fmt.Errorf("subtract %s from %s: %w", o, m, ErrOverflow)
	}
	return Money{Amount: m.Amount - o.Amount, Currency: m.Currency}, nil
}

// Neg returns -m; it fails only for the most negative int64, which has no
// positive counterpart.
func (m Money) Neg() (Money, error) {
	if m.Amount == math.MinInt64 {
		return Money{}, fmt.Errorf("negate %s: %w", m, ErrOverflow)
	}
	return Money{Amount: -m.Amount, Currency: m.Currency}, nil
}

// MulInt returns m×n, for a unit price times a quantity.
func (m Money) MulInt(n int64) (Money, error) {
	if m.Amount == 0 || n == 0 {
		return Money{Amount: 0, Currency: m.Currency}, nil
	}
	p := m.Amount * n
	// The division check catches every wrap except MinInt64 × -1, whose
	// quotient wraps back to MinInt64 as well.
	if p/n != m.Amount || (n == -1 && m.Amount == math.MinInt64) {
		return Money{}, fmt.Errorf("multiply %s by %d: %w", m, n, ErrOverflow)
	}
	return Money{Amount: p, Currency: m.Currency}, nil
}

// MulRate returns m×rate rounded to a minor unit of the same currency with
// the given mode: commissions, taxes and other percentages.
func (m Money) MulRate(rate Rate, mode Rounding) (Money, error) {
	if rate.r == nil {
		return Money{}, fmt.Errorf("%w: zero value", ErrInvalidRate)
	}
	x := new(big.Rat).Mul(new(big.Rat).SetInt64(m.Amount), rate.r)
	n, err := roundRat(x, mode)
	if err != nil {
		return Money{}, fmt.Errorf("multiply %s by %s: %w", m, rate, err)
	}
	return Money{Amount: n, Currency: m.Currency}, nil
}

// Cmp compares two amounts of the same currency: -1, 0 or +1.
func (m Money) Cmp(o Money) (int, error) {
	if err := m.sameCurrency(o, "compare"); err != nil {
		return 0, err
	}
	switch {
	case m.Amount < o.Amount:
		return -1, nil
	case m.Amount > o.Amount:
		return 1, nil
	default:
		return 0, nil
	}
}

// IsZero reports whether the amount is zero, whatever the currency.
func (m Money) IsZero() bool { return m.Amount == 0 }

// IsNegative reports whether the amount is below zero.
func (m Money) IsNegative() bool { return m.Amount < 0 }

// Decimal formats the amount in major units with the currency's exponent,
// e.g. "12.34" for {1234, "USD"} and "1234" for {1234, "JPY"}. An unknown
// currency is printed as plain minor units.
func (m Money) Decimal() string {
	exp, err := Exponent(m.Currency)
	if err != nil || exp == 0 {
		return fmt.Sprintf("%d", m.Amount)
	}
	return new(big.Rat).SetFrac(big.NewInt(m.Amount), pow10(exp)).FloatString(exp)
}

// String formats the amount for logs and messages, e.g. "12.34 USD".
func (m Money) String() string {
	return m.Decimal() + " " + m.Currency
}

func (m Money) sameCurrency(o Money, op string) error {
	if m.Currency != o.Currency {
		return fmt.Errorf("%s %s and %s: %w", op, m.Currency, o.Currency, ErrCurrencyMismatch)
	}
	return nil
}

// Parse reads a decimal amount in major units ("12.34", "-0.5", "1000") in
// the given currency. It refuses more decimal places than the currency has,
// because dropping them would silently change the amount; use FromDecimal to
// round on purpose.
func Parse(value, code string) (Money, error) {
	exp, x, err := parseDecimal(value, code)
	if err != nil {
		return Money{}, err
	}
	if !x.IsInt() {
		return Money{}, fmt.Errorf("%w: %q has more than %d decimal places for %s", ErrInvalidAmount, value, exp, code)
	}
	n, err := roundRat(x, HalfEven)
	if err != nil {
		return Money{}, fmt.Errorf("amount %q %s: %w", value, code, err)
	}
	return Money{Amount: n, Currency: code}, nil
}

// FromDecimal reads a decimal amount in major units and rounds it to a minor
// unit with the given mode; FromDecimal("1.001", "USD", Ceil) is 1.01 USD.
func FromDecimal(value, code string, mode Rounding) (Money, error) {
	_, x, err := parseDecimal(value, code)
	if err != nil {
		return Money{}, err
	}
	n, err := roundRat(x, mode)
	if err != nil {
		return Money{}, fmt.Errorf("amount %q %s: %w", value, code, err)
	}
	return Money{Amount: n, Currency: code}, nil
}

// parseDecimal returns the currency exponent and value expressed in minor units.
func parseDecimal(value, code string) (int, *big.Rat, error) {
	exp, err := Exponent(code)
	if err != nil {
		return 0, nil, err
	}
	digits, negative := strings.CutPrefix(value, "-")
	rate, err := ParseRate(digits)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %q is not a decimal like 12.34", ErrInvalidAmount, value)
	}
	x := rate.Rat()
	x.Mul(x, new(big.Rat).SetInt(pow10(exp)))
	if negative {
		x.Neg(x)
	}
	return exp, x, nil
}
