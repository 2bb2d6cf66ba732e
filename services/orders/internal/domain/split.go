package domain

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
)

// ProductType decides whether goods ship.
type ProductType string

// The product types.
const (
	Physical ProductType = "physical"
	Virtual  ProductType = "virtual"
)

// SKU is a SKU as the catalog resolves it at checkout.
type SKU struct {
	ID         uuid.UUID
	ProductID  uuid.UUID
	SupplierID uuid.UUID
	// CategoryID is the product's category: coupon campaigns may be
	// limited to some.
	CategoryID uuid.UUID
	Type       ProductType
	WeightG    int64
	VolumeCM3  int64
	Price      money.Money
	// Origin is where it ships from (ISO 3166-1 and -2 codes).
	OriginCountry, OriginRegion string
	// OnSale is false for a SKU that is not listed, delisted, in the bin or
	// never approved: it cannot be bought.
	OnSale bool
	// NoTierPrice: priced for a merchant, the supplier set no cost price
	// for the merchant's tier, so the merchant cannot buy it at cost.
	NoTierPrice bool
}

// Line is one line of a checkout with its resolved SKU.
type Line struct {
	SKU      SKU
	Quantity int32
}

// Amount is the line's goods price.
func (l Line) Amount() (money.Money, error) { return l.SKU.Price.MulInt(int64(l.Quantity)) }

// SubOrderDraft is one supplier's goods of one product type: what a
// sub-order is made of before it is stored.
type SubOrderDraft struct {
	SupplierID uuid.UUID
	Type       ProductType
	Lines      []Line
	Goods      money.Money
	WeightG    int64
	VolumeCM3  int64
}

// Resolve checks a checkout's lines against the catalog's answer: every
// SKU known and on sale, every quantity in range. The violations name the
// lines ("lines[2].sku_id").
func Resolve(cart []CartLine, skus map[uuid.UUID]SKU) ([]Line, error) {
	var v apperr.Violations
	if len(cart) == 0 {
		v.Add("lines", "the cart is empty")
	}
	out := make([]Line, 0, len(cart))
	for i, l := range cart {
		sku, ok := skus[l.SKUID]
		switch {
		case !ok:
			v.Add(apperr.Index("lines", i, "sku_id"), "is not a SKU of the catalogue")
		case !sku.OnSale:
			v.Add(apperr.Index("lines", i, "sku_id"), "is not on sale")
		case sku.NoTierPrice:
			v.Add(apperr.Index("lines", i, "sku_id"), "has no cost price for your merchant tier")
		}
		if l.Quantity <= 0 || l.Quantity > MaxLineQuantity {
			v.Add(apperr.Index("lines", i, "quantity"), "must be between 1 and 9999")
		}
		if ok {
			out = append(out, Line{SKU: sku, Quantity: l.Quantity})
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// MaxUnitPrice bounds a partner's unit price: 10^12 minor units, ten
// billion of a two-decimal currency. With at most MaxCartLines lines of
// MaxLineQuantity units each, no order's goods can overflow int64 (a price
// past it was answered INTERNAL, or as mixed currencies).
const MaxUnitPrice = 1e12

// PriceAt prices each line at what a partner's buyer paid for one unit of
// it (prices, one per line) instead of at the catalogue's price: a partner
// order's goods are what the partner sold, which is what its settlement
// pays, whatever our price was when the order came in. A price in another
// currency than its SKU's is refused by line ("unit_prices[1]"); so is one
// not above zero, and prices in more than one currency: a partner's order
// is paid in one.
func PriceAt(lines []Line, prices []money.Money) ([]Line, error) {
	var v apperr.Violations
	if len(prices) != len(lines) {
		v.Add("unit_prices", fmt.Sprintf("must be empty or one per line (%d)", len(lines)))
		return nil, v.Err()
	}
	out := slices.Clone(lines)
	for i, p := range prices {
		switch {
		case p.Amount <= 0:
			v.Add(apperr.Index("unit_prices", i, "amount_minor"), "must be above zero")
		case p.Amount > MaxUnitPrice:
			v.Add(apperr.Index("unit_prices", i, "amount_minor"), fmt.Sprintf("must be at most %d", int64(MaxUnitPrice)))
		case p.Currency != out[i].SKU.Price.Currency:
			v.Add(apperr.Index("unit_prices", i, "currency_code"), fmt.Sprintf("is %s; the SKU is priced in %s", p.Currency, out[i].SKU.Price.Currency))
		default:
			out[i].SKU.Price = p
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if slices.ContainsFunc(prices, func(p money.Money) bool { return p.Currency != prices[0].Currency }) {
		return nil, apperr.InvalidField("unit_prices", "must all be in one currency: a partner's order is paid in one")
	}
	return out, nil
}

// Split divides a checkout by supplier, then by product type: each draft
// holds one supplier's goods of one type. Drafts come in a stable order
// (supplier id, then physical before virtual), lines in checkout order. A
// supplier prices all its SKUs in one currency; two currencies from one
// supplier are refused.
func Split(lines []Line) ([]SubOrderDraft, error) {
	type key struct {
		supplier uuid.UUID
		typ      ProductType
	}
	index := map[key]int{}
	var drafts []SubOrderDraft
	for _, l := range lines {
		k := key{l.SKU.SupplierID, l.SKU.Type}
		i, ok := index[k]
		if !ok {
			i = len(drafts)
			index[k] = i
			drafts = append(drafts, SubOrderDraft{SupplierID: k.supplier, Type: k.typ, Goods: money.Money{Currency: l.SKU.Price.Currency}})
		}
		d := &drafts[i]
		amount, err := l.Amount()
		if err != nil {
			return nil, err
		}
		if d.Goods, err = d.Goods.Add(amount); err != nil {
			return nil, apperr.FailedPrecondition("supplier " + k.supplier.String() + " prices its goods in more than one currency").WithReason("MIXED_CURRENCIES")
		}
		d.Lines = append(d.Lines, l)
		d.WeightG += l.SKU.WeightG * int64(l.Quantity)
		d.VolumeCM3 += l.SKU.VolumeCM3 * int64(l.Quantity)
	}
	slices.SortStableFunc(drafts, func(a, b SubOrderDraft) int {
		if c := cmp.Compare(a.SupplierID.String(), b.SupplierID.String()); c != 0 {
			return c
		}
		return cmp.Compare(typeOrder(a.Type), typeOrder(b.Type))
	})
	return drafts, nil
}

// MaxSubOrders bounds the sub-orders of one checkout: finance pays them all
// in one ledger command, which takes at most 32 (two transfers for each
// converted share).
const MaxSubOrders = 32

// CheckOnePayment refuses a checkout whose drafts are more sub-orders than
// one payment takes, before anything is held: such an order was placed, its
// stock held and its coupon redeemed, and every payment then refused until
// the deadline cancelled it. A partner's order, paid on the partner's
// platform, is not bound by it.
func CheckOnePayment(drafts []SubOrderDraft) error {
	if len(drafts) <= MaxSubOrders {
		return nil
	}
	return apperr.FailedPrecondition(fmt.Sprintf("the lines make %d sub-orders (one per supplier and product type); a checkout pays at most %d: check out the rest apart",
		len(drafts), MaxSubOrders)).WithReason(ReasonTooManySubOrders).WithMetadata("max_sub_orders", strconv.Itoa(MaxSubOrders))
}

// ReasonTooManySubOrders refuses a checkout whose lines make more than
// MaxSubOrders sub-orders.
const ReasonTooManySubOrders = "TOO_MANY_SUB_ORDERS"

func typeOrder(t ProductType) int {
	if t == Physical {
		return 0
	}
	return 1
}
