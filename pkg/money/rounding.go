package money

import (
	"errors"
	"fmt"
	"math/big"
)

// ErrOverflow is returned when a result does not fit the int64 range of minor
// units. It is an error rather than a wrap-around because a wrapped balance is
// a silent loss of money.
var ErrOverflow = errors.New("money: amount overflows int64 minor units")

// Rounding selects how an exact result is brought to a whole minor unit. The
// zero value is HalfEven, the house rule described in the package doc.
type Rounding int

const (
	// HalfEven rounds to the nearest minor unit and ties to the even one.
	HalfEven Rounding = iota
	// Ceil rounds towards positive infinity: for amounts that must cover a cost.
	Ceil
	// Floor rounds towards negative infinity: for amounts that must not exceed a limit.
	Floor
)

// String names the rounding mode for logs and error messages.
func (r Rounding) String() string {
	switch r {
	case HalfEven:
		return "half-even"
	case Ceil:
		return "ceil"
	case Floor:
		return "floor"
	default:
		return fmt.Sprintf("Rounding(%d)", int(r))
	}
}

// roundRat rounds x to an integer with the given mode and reports ErrOverflow
// when the integer does not fit an int64.
func roundRat(x *big.Rat, mode Rounding) (int64, error) {
	q, err := roundBig(x, mode)
	if err != nil {
		return 0, err
	}
	if !q.IsInt64() {
		return 0, ErrOverflow
	}
	return q.Int64(), nil
}

// roundBig rounds x to an integer with the given mode, without a bound: the
// one implementation of every rounding mode.
func roundBig(x *big.Rat, mode Rounding) (*big.Int, error) {
	num, den := x.Num(), x.Denom() // den is always > 0
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	if r.Sign() != 0 {
		switch mode {
		case HalfEven:
			// Compare 2|r| with den to decide between truncation and rounding away from zero.
			twice := new(big.Int).Abs(r)
			twice.Lsh(twice, 1)
			c := twice.Cmp(den)
			if c > 0 || (c == 0 && q.Bit(0) == 1) {
				q.Add(q, big.NewInt(int64(r.Sign())))
			}
		case Ceil:
			if r.Sign() > 0 {
				q.Add(q, big.NewInt(1))
			}
		case Floor:
			if r.Sign() < 0 {
				q.Sub(q, big.NewInt(1))
			}
		default:
			return nil, fmt.Errorf("money: unknown rounding mode %d", int(mode))
		}
	}
	return q, nil
}

// pow10 returns 10^n as a big.Int.
func pow10(n int) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}
