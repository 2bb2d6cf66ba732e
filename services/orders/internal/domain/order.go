package domain

import (
	"maps"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/money"
)

// OwnStore is the channel of orders placed in Crossdock's own store; a
// partner's orders carry the partner's channel.
const OwnStore = "own_store"

// Order is a buyer's checkout: N sub-orders paid together.
type Order struct {
	ID      uuid.UUID
	BuyerID string
	// CheckoutID is the client's id of the checkout it came from.
	CheckoutID string
	// Channel is OwnStore, MerchantChannel or a partner's channel, with the
	// partner's order id.
	Channel, ExternalOrderID string
	// MerchantOrgID is the merchant a merchant order was bought for: it
	// pays from its deposit at its tier's cost prices.
	MerchantOrgID uuid.UUID
	Status        Status
	// Currency is the buyer's; Total what the buyer pays in it.
	Currency string
	Total    int64
	// Quotes are finance's rate locks by supplier currency.
	Quotes       map[string]string
	PaymentDueAt time.Time
	// PaymentStartedAt is set once finance was asked to take the payment:
	// the deadline then asks finance whether it did before cancelling.
	PaymentStartedAt *time.Time
	PlacedAt         time.Time
	PaidAt           *time.Time
	CancelReason     string
	UpdatedAt        time.Time
	SubOrders        []SubOrder
	// Version counts the store's writes of the order: a write that read
	// it unlocked lands only if no other came first.
	Version int64
}

// External reports whether the order came from a partner channel: already
// paid, its money arriving by the partner's settlement.
func (o Order) External() bool { return o.Channel != OwnStore && o.Channel != MerchantChannel }

// FreightPaidByPlatform reports whether the carrier's legs of the order's
// parcels are the platform's to pay: a partner channel's buyer paid the
// partner, goods only, so no escrow holds freight for the carrier. Own-store
// and merchant orders paid their target freight into escrow at checkout.
func (o Order) FreightPaidByPlatform() bool { return o.External() }

// SubOrder is one supplier's goods of one product type within an order.
type SubOrder struct {
	ID         uuid.UUID
	OrderID    uuid.UUID
	Position   int
	SupplierID uuid.UUID
	Type       ProductType
	Status     Status
	Lines      []OrderLine
	// Goods and Freight (the target freight) are in the supplier's
	// currency; BuyerAmount is what the buyer pays for both, in the order's
	// currency at Rate.
	Goods, Freight money.Money
	BuyerAmount    int64
	Rate           string
	// FreightBreakdown is the estimator's answer, kept as shown to the buyer.
	FreightBreakdown *FreightBreakdown
	Address          *Address
	WeightG          int64
	VolumeCM3        int64
	// Set once shipped.
	ShipmentID  *uuid.UUID
	Waybill     string
	CarrierCode string
	MethodID    string
	// Discount is a coupon's reduction of the goods (supplier currency):
	// the buyer paid that much less. A platform-funded discount is paid
	// into escrow at settlement, so the supplier gets the full goods; a
	// supplier-funded one is the supplier's, settled at goods less it.
	Discount         int64
	CouponID         string
	DiscountFundedBy Funder
	// Refunded is what returns refunded from escrow before settlement:
	// the goods settle less it.
	Refunded int64
	// SettlingAt is when settlement began: the requests it counted were
	// read under the order's lock then, and a return received later is
	// refunded once it completes, by a claw-back.
	SettlingAt *time.Time
	// Set while awaiting a top-up.
	TopUpRequestID string
	TopUp          int64
	PaidAt         *time.Time
	ShippedAt      *time.Time
	DeliveredAt    *time.Time
	CompletesAt    *time.Time
	CompletedAt    *time.Time
	UpdatedAt      time.Time
}

// ExternalParcel reports whether the sub-order shipped by a parcel booked
// outside our logistics: a waybill without a shipment of ours. Nobody
// tracks it for us, and no carrier's legs are paid from its escrow.
func (s SubOrder) ExternalParcel() bool { return s.ShipmentID == nil && s.Waybill != "" }

// Payable is what the buyer pays into the sub-order's escrow: goods +
// freight less the discount.
func (s SubOrder) Payable() money.Money {
	p, _ := s.Goods.Add(s.Freight)
	p.Amount -= s.Discount
	return p
}

// PlatformFunding is what the platform pays into the escrow at settlement
// for its coupon: the discount on the goods kept, that is less
// returnedDiscount (see ReturnedDiscount), which the buyer gave back with
// the goods returned.
func (s SubOrder) PlatformFunding(returnedDiscount int64) int64 {
	if s.DiscountFundedBy == FundedByPlatform {
		return s.Discount - returnedDiscount
	}
	return 0
}

// SettledGoods is what the supplier is settled on: the goods kept, less
// their discount when the supplier funds it. Refunded holds the returned
// goods less their share of the discount (returnedDiscount), so a
// platform-funded discount's share is taken off as well: the platform, not
// the supplier, had paid it.
func (s SubOrder) SettledGoods(returnedDiscount int64) money.Money {
	g := s.Goods
	g.Amount -= s.Refunded
	switch s.DiscountFundedBy {
	case FundedBySupplier:
		g.Amount -= s.Discount
	case FundedByPlatform:
		g.Amount -= returnedDiscount
	}
	return g
}

// ReturnedDiscount is the part of the sub-order's discount that returns
// refunded from its escrow (before settlement) took back with their goods:
// each returned line's goods price less what it refunded. Returns clawed
// back after settlement are not counted: the settlement had been made.
func (s SubOrder) ReturnedDiscount(afterSales []AfterSale) int64 {
	var out int64
	for _, a := range afterSales {
		if a.SubOrderID != s.ID || a.Kind != Return || a.Status != AfterSaleRefunded || a.ClawBack {
			continue
		}
		out += s.DiscountOf(a)
	}
	return out
}

// DiscountOf is the part of the sub-order's discount a request's goods
// carry: each line's goods price less what it refunds.
func (s SubOrder) DiscountOf(a AfterSale) int64 {
	price := map[uuid.UUID]int64{}
	for _, l := range s.Lines {
		price[l.SKUID] = l.UnitPrice.Amount
	}
	var out int64
	for _, l := range a.Lines {
		out += price[l.SKUID]*int64(l.Quantity) - l.Amount.Amount
	}
	return out
}

// CouponFundingBack is what the platform takes back from the supplier for
// a return clawed back after settlement: the share of a platform-funded
// discount its goods carry, which the settlement paid the supplier and the
// buyer's refund does not return. Zero for any other return.
func (s SubOrder) CouponFundingBack(a AfterSale) int64 {
	if s.DiscountFundedBy != FundedByPlatform || s.CouponID == "" || a.Kind != Return || !a.ClawBack {
		return 0
	}
	return s.DiscountOf(a)
}

// OrderLine is a SKU line of a sub-order, priced as at checkout.
type OrderLine struct {
	SKUID     uuid.UUID
	ProductID uuid.UUID
	Quantity  int32
	UnitPrice money.Money
	// Discount is the share of the sub-order's coupon discount the line
	// carries (LineDiscounts): its part of the goods the coupon covered.
	// Zero for a line the coupon did not cover, and on every line of an
	// order placed before lines kept it (see refunder).
	Discount int64
}

// SameCheckout reports whether a checkout retried with the id of o asks
// for o: the same currency and coupon and, when it names its lines, the
// same SKUs in the same quantities. A checkout of the cart names none: the
// cart may have changed since (placing the order emptied it), so only the
// rest is compared.
func (o Order) SameCheckout(lines []CartLine, currency, couponID string) bool {
	coupon := ""
	bought := map[uuid.UUID]int64{}
	for _, sub := range o.SubOrders {
		if sub.CouponID != "" {
			coupon = sub.CouponID
		}
		for _, l := range sub.Lines {
			bought[l.SKUID] += int64(l.Quantity)
		}
	}
	if o.Currency != currency || coupon != couponID {
		return false
	}
	if len(lines) == 0 {
		return true
	}
	asked := map[uuid.UUID]int64{}
	for _, l := range lines {
		asked[l.SKUID] += int64(l.Quantity)
	}
	return maps.Equal(asked, bought)
}

// Total is the line's price.
func (l OrderLine) Total() money.Money {
	t, _ := l.UnitPrice.MulInt(int64(l.Quantity))
	return t
}

// FreightBreakdown says why a sub-order's freight is what it is: the
// estimator's basis, groups and multiplier.
type FreightBreakdown struct {
	Basis                 string         `json:"basis"`
	TargetFreight         money.Money    `json:"target_freight"`
	Multiplier            string         `json:"multiplier"`
	RouteMultiplier       bool           `json:"route_multiplier"`
	TotalBeforeMultiplier string         `json:"total_before_multiplier"`
	Groups                []FreightGroup `json:"groups"`
	Zone                  string         `json:"zone"`
	ChargeableWeightG     int64          `json:"chargeable_weight_g"`
	// DeclaredValue is the goods in the base currency, as the estimator
	// valued the parcel: declared to customs when it ships.
	DeclaredValue money.Money `json:"declared_value"`
	// RateToSupplierCurrency is the rate the base-currency estimate was
	// converted to the supplier's currency at; empty when they are one.
	RateToSupplierCurrency string `json:"rate_to_supplier_currency"`
}

// FreightGroup is one group of matching history behind an estimate.
type FreightGroup struct {
	Group       string `json:"group"`
	Count       int64  `json:"count"`
	MeanFreight string `json:"mean_freight"`
	Weight      string `json:"weight"`
}

// Address is where a physical sub-order goes.
type Address struct {
	Recipient string   `json:"recipient"`
	Phone     string   `json:"phone,omitempty"`
	Country   string   `json:"country_code"`
	Region    string   `json:"region_code,omitempty"`
	City      string   `json:"city"`
	Postcode  string   `json:"postcode,omitempty"`
	Lines     []string `json:"lines"`
	Latitude  *float64 `json:"latitude,omitempty"`
	Longitude *float64 `json:"longitude,omitempty"`
}
