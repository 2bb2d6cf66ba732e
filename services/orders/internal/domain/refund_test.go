package domain_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// refundSub is a delivered sub-order of lines (unit prices in USD cents,
// quantities) with a discount on its goods.
func refundSub(discount int64, lines ...[2]int64) (domain.SubOrder, domain.Order) {
	now := time.Now()
	sub := domain.SubOrder{ID: uuid.New(), Status: domain.Delivered, DeliveredAt: &now, Goods: money.Money{Currency: "USD"}, Discount: discount}
	for _, l := range lines {
		sub.Lines = append(sub.Lines, domain.OrderLine{SKUID: uuid.New(), Quantity: int32(l[1]), UnitPrice: money.MustNew(l[0], "USD")})
		sub.Goods.Amount += l[0] * l[1]
	}
	return sub, domain.Order{ID: uuid.New(), BuyerID: "ann"}
}

// file files a return of the given units (per line of sub) after prior.
func file(t *testing.T, sub domain.SubOrder, o domain.Order, prior []domain.AfterSale, units ...int32) domain.AfterSale {
	t.Helper()
	in := domain.AfterSaleInput{RequestID: uuid.NewString(), Kind: domain.Return, Reason: "broken"}
	for i, q := range units {
		if q > 0 {
			in.Lines = append(in.Lines, domain.AfterSaleLineInput{SKUID: sub.Lines[i].SKUID, Quantity: q})
		}
	}
	a, err := domain.NewAfterSale(sub, o, in, prior, 30*24*time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	a.Status = domain.AfterSaleRefunded
	return a
}

// Refunds take the discount back pro rata, allocated over every unit
// returned so far: returned whole, in one request or several, the goods
// refund exactly what was paid for them (before, each line's share was
// rounded down on its own, refunding a cent too much per line).
func TestRefundsSumToWhatWasPaid(t *testing.T) {
	for _, tt := range []struct {
		name     string
		discount int64
		lines    [][2]int64
		requests [][]int32
		want     []int64
	}{
		{"three lines in one request", 100, [][2]int64{{100, 1}, {100, 1}, {100, 1}}, [][]int32{{1, 1, 1}}, []int64{200}},
		{"two units in two requests", 273, [][2]int64{{1800, 2}}, [][]int32{{1}, {1}}, []int64{1664, 1663}},
		{"no discount", 0, [][2]int64{{1800, 2}}, [][]int32{{1}, {1}}, []int64{1800, 1800}},
		{"a whole coupon", 300, [][2]int64{{100, 3}}, [][]int32{{2}, {1}}, []int64{0, 0}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sub, o := refundSub(tt.discount, tt.lines...)
			sub.Lines = legacyLines(sub.Lines)
			var prior []domain.AfterSale
			for i, units := range tt.requests {
				a := file(t, sub, o, prior, units...)
				if a.Refund.Amount != tt.want[i] {
					t.Errorf("request %d refunds %d, want %d", i, a.Refund.Amount, tt.want[i])
				}
				prior = append(prior, a)
			}
		})
	}
}

// Whatever goes back, in whatever requests (some of them rejected), the
// refunds never sum above what the goods were paid, no line refunds less
// than nothing or more than its goods, and with every unit back they sum
// to it exactly.
func TestRefundsNeverExceedWhatWasPaid(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 13))
	for run := range 500 {
		t.Run(fmt.Sprint(run), func(t *testing.T) {
			var lines [][2]int64
			for range 1 + r.IntN(4) {
				lines = append(lines, [2]int64{1 + r.Int64N(5000), 1 + r.Int64N(4)})
			}
			sub, o := refundSub(0, lines...)
			sub.Discount = r.Int64N(sub.Goods.Amount + 1)
			if r.IntN(2) == 0 {
				// The discount carried by the lines a coupon covered.
				spreadDiscount(r, &sub)
			}
			paid := sub.Goods.Amount - sub.Discount
			price := map[uuid.UUID]int64{}
			for _, l := range sub.Lines {
				price[l.SKUID] = l.UnitPrice.Amount
			}
			left := make([]int32, len(lines))
			for i, l := range lines {
				left[i] = int32(l[1])
			}
			var prior []domain.AfterSale
			var refunded int64
			for more := true; more; {
				units := make([]int32, len(lines))
				any := false
				for i := range units {
					if left[i] > 0 && r.IntN(2) == 0 {
						units[i] = 1 + r.Int32N(left[i])
						any = true
					}
				}
				if !any {
					continue
				}
				a := file(t, sub, o, prior, units...)
				for _, l := range a.Lines {
					if gross := price[l.SKUID] * int64(l.Quantity); l.Amount.Amount < 0 || l.Amount.Amount > gross {
						t.Fatalf("%d units at %d refund %d", l.Quantity, price[l.SKUID], l.Amount.Amount)
					}
				}
				if r.IntN(5) == 0 {
					a.Status = domain.AfterSaleRejected
				} else {
					refunded += a.Refund.Amount
					for i := range units {
						left[i] -= units[i]
					}
				}
				prior = append(prior, a)
				if refunded > paid {
					t.Fatalf("refunds sum to %d of %d paid (goods %d, discount %d)", refunded, paid, sub.Goods.Amount, sub.Discount)
				}
				more = false
				for _, n := range left {
					more = more || n > 0
				}
			}
			if refunded != paid {
				t.Errorf("every unit back refunds %d of %d paid (goods %d, discount %d)", refunded, paid, sub.Goods.Amount, sub.Discount)
			}
		})
	}
}

// legacyLines are lines as orders placed before lines kept their part of
// the discount read them: none carries any.
func legacyLines(lines []domain.OrderLine) []domain.OrderLine {
	for i := range lines {
		lines[i].Discount = 0
	}
	return lines
}

// spreadDiscount spreads the sub-order's discount over a random choice of
// its lines, none above its goods, the parts adding up to the discount.
func spreadDiscount(r *rand.Rand, sub *domain.SubOrder) {
	var covered []int
	var goods int64
	for i, l := range sub.Lines {
		if r.IntN(3) > 0 || i == len(sub.Lines)-1 && len(covered) == 0 {
			covered = append(covered, i)
			goods += l.UnitPrice.Amount * int64(l.Quantity)
		}
	}
	sub.Discount = r.Int64N(goods + 1)
	left := sub.Discount
	for _, i := range covered {
		l := &sub.Lines[i]
		l.Discount = min(left, l.UnitPrice.Amount*int64(l.Quantity))
		left -= l.Discount
	}
}

// A coupon that covered some of a sub-order's goods: returning a covered
// good refunds its goods less its own part of the discount, returning one
// it did not cover refunds its whole price. Before, both gave back the
// goods less a share of the whole discount, so a buyer returning the
// discounted good got back more than it paid for it.
func TestRefundsTakeBackTheDiscountTheLineCarried(t *testing.T) {
	sub, o := refundSub(5000, [2]int64{10000, 1}, [2]int64{10000, 1})
	sub.Lines[0].Discount = 5000 // the hat the coupon covered; the scarf it did not
	hat := file(t, sub, o, nil, 1, 0)
	if hat.Refund.Amount != 5000 {
		t.Errorf("the covered hat refunds %d, want the 5000 paid for it", hat.Refund.Amount)
	}
	scarf := file(t, sub, o, []domain.AfterSale{hat}, 0, 1)
	if scarf.Refund.Amount != 10000 {
		t.Errorf("the scarf the coupon did not cover refunds %d, want its 10000", scarf.Refund.Amount)
	}
	if d := sub.DiscountOf(hat) + sub.DiscountOf(scarf); d != 5000 {
		t.Errorf("the returns carry %d of the discount back, want all 5000", d)
	}
}
