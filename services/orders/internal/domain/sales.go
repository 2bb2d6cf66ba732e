package domain

import (
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/money"
)

// ErrBadSale is a sales fact that cannot be counted (a line without a SKU,
// a negative price, an unknown currency): no retry can fix it.
var ErrBadSale = errors.New("sales fact cannot be counted")

// SalesDay is the UTC calendar day sales at t are counted on.
func SalesDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// SalesFigures are what was sold and refunded under one key (or a group of
// keys), in one currency's minor units.
type SalesFigures struct {
	UnitsSold, UnitsRefunded int64
	GrossMinor, RefundsMinor int64
}

// NetMinor is gross minus refunds.
func (f SalesFigures) NetMinor() int64 { return f.GrossMinor - f.RefundsMinor }

// SalesEntry is a change to one day's figures of a SKU on a channel in a
// currency; the SKU's product and supplier come with it so the figures can
// be grouped and filtered by them.
type SalesEntry struct {
	Day                   time.Time
	SKUID                 uuid.UUID
	Channel, Currency     string
	ProductID, SupplierID uuid.UUID
	SalesFigures
}

// SalesRow is one row of the figures as read: a day, a product (and SKU
// when grouped by SKU, uuid.Nil otherwise), a channel and a currency.
type SalesRow struct {
	Day                          time.Time
	ProductID, SKUID, SupplierID uuid.UUID
	Channel, Currency            string
	SalesFigures
}

// Gross is what the row's sales were paid, as money.
func (r SalesRow) Gross() money.Money { return money.Money{Amount: r.GrossMinor, Currency: r.Currency} }

// Refunds is what the row refunded, as money.
func (r SalesRow) Refunds() money.Money {
	return money.Money{Amount: r.RefundsMinor, Currency: r.Currency}
}

// Net is gross minus refunds, as money.
func (r SalesRow) Net() money.Money { return money.Money{Amount: r.NetMinor(), Currency: r.Currency} }

// SoldSubOrder is a paid sub-order as the sales figures remember it: enough
// to count its sale and, should it be cancelled, to refund what it still
// holds.
type SoldSubOrder struct {
	ID, OrderID, SupplierID uuid.UUID
	Channel                 string
	PaidAt                  time.Time
	Lines                   []SoldLine
}

// SoldLine is one SKU of a sold sub-order; Refunds and UnitsRefunded are
// what returns gave back of it so far.
type SoldLine struct {
	SKUID, ProductID uuid.UUID
	Quantity         int64
	Gross            money.Money
	UnitsRefunded    int64
	Refunds          money.Money
}

// PaidLine is a line of a paid sub-order as the order carries it.
type PaidLine struct {
	SKUID, ProductID uuid.UUID
	Quantity         int64
	UnitPrice        money.Money
}

// NewSoldSubOrder checks a paid sub-order and prices its lines (quantity ×
// unit price), merging lines of the same SKU so each SKU is one line.
func NewSoldSubOrder(id, orderID, supplierID uuid.UUID, channel string, paidAt time.Time, lines []PaidLine) (SoldSubOrder, error) {
	s := SoldSubOrder{ID: id, OrderID: orderID, SupplierID: supplierID, Channel: channel, PaidAt: paidAt}
	if id == uuid.Nil || supplierID == uuid.Nil || channel == "" || paidAt.IsZero() {
		return s, fmt.Errorf("%w: sub-order %s without its id, supplier, channel or time", ErrBadSale, id)
	}
	at := map[uuid.UUID]int{}
	for _, l := range lines {
		if l.SKUID == uuid.Nil || l.ProductID == uuid.Nil || l.Quantity <= 0 || l.UnitPrice.Validate() != nil || l.UnitPrice.IsNegative() {
			return s, fmt.Errorf("%w: sub-order %s line %s: quantity %d, unit price %v", ErrBadSale, id, l.SKUID, l.Quantity, l.UnitPrice)
		}
		gross, err := l.UnitPrice.MulInt(l.Quantity)
		if err != nil {
			return s, fmt.Errorf("%w: sub-order %s line %s: %w", ErrBadSale, id, l.SKUID, err)
		}
		i, seen := at[l.SKUID]
		if !seen {
			at[l.SKUID] = len(s.Lines)
			s.Lines = append(s.Lines, SoldLine{SKUID: l.SKUID, ProductID: l.ProductID, Quantity: l.Quantity, Gross: gross,
				Refunds: money.Money{Currency: gross.Currency}})
			continue
		}
		merged := &s.Lines[i]
		if merged.Gross, err = merged.Gross.Add(gross); err != nil {
			return s, fmt.Errorf("%w: sub-order %s line %s: %w", ErrBadSale, id, l.SKUID, err)
		}
		merged.Quantity += l.Quantity
	}
	if len(s.Lines) == 0 {
		return s, fmt.Errorf("%w: sub-order %s has no lines", ErrBadSale, id)
	}
	return s, nil
}

// Sale is what paying the sub-order adds to the figures, on the day it was
// paid.
func (s SoldSubOrder) Sale() []SalesEntry {
	out := make([]SalesEntry, len(s.Lines))
	for i, l := range s.Lines {
		out[i] = s.entry(l, s.PaidAt, SalesFigures{UnitsSold: l.Quantity, GrossMinor: l.Gross.Amount})
	}
	return out
}

// Cancellation is what cancelling the paid sub-order at `at` refunds, on
// that day: every line's gross and units, less what returns already gave
// back.
func (s SoldSubOrder) Cancellation(at time.Time) []SalesEntry {
	var out []SalesEntry
	for _, l := range s.Lines {
		f := SalesFigures{UnitsRefunded: max(l.Quantity-l.UnitsRefunded, 0), RefundsMinor: max(l.Gross.Amount-l.Refunds.Amount, 0)}
		if f != (SalesFigures{}) {
			out = append(out, s.entry(l, at, f))
		}
	}
	return out
}

func (s SoldSubOrder) entry(l SoldLine, at time.Time, f SalesFigures) SalesEntry {
	return SalesEntry{Day: SalesDay(at), SKUID: l.SKUID, Channel: s.Channel, Currency: l.Gross.Currency,
		ProductID: l.ProductID, SupplierID: s.SupplierID, SalesFigures: f}
}

// SalesReturn is an after-sale return refunded to the buyer: its lines
// count as refunds on the day it was refunded.
type SalesReturn struct {
	ID                     string
	SubOrderID, SupplierID uuid.UUID
	Channel                string
	RefundedAt             time.Time
	Lines                  []ReturnedLine
}

// ReturnedLine is the part of a line a return gave back, and what it
// refunded for it.
type ReturnedLine struct {
	SKUID, ProductID uuid.UUID
	Quantity         int64
	Amount           money.Money
}

// Check tells whether the return can be counted.
func (r SalesReturn) Check() error {
	if r.ID == "" || r.SupplierID == uuid.Nil || r.Channel == "" || r.RefundedAt.IsZero() || len(r.Lines) == 0 {
		return fmt.Errorf("%w: return %q without its id, supplier, channel, time or lines", ErrBadSale, r.ID)
	}
	for _, l := range r.Lines {
		if l.SKUID == uuid.Nil || l.ProductID == uuid.Nil || l.Quantity < 0 || l.Amount.Validate() != nil || l.Amount.IsNegative() {
			return fmt.Errorf("%w: return %q line %s: quantity %d, amount %v", ErrBadSale, r.ID, l.SKUID, l.Quantity, l.Amount)
		}
	}
	return nil
}

// Refunds is what the return adds to the figures.
func (r SalesReturn) Refunds() []SalesEntry {
	out := make([]SalesEntry, len(r.Lines))
	for i, l := range r.Lines {
		out[i] = SalesEntry{Day: SalesDay(r.RefundedAt), SKUID: l.SKUID, Channel: r.Channel, Currency: l.Amount.Currency,
			ProductID: l.ProductID, SupplierID: r.SupplierID,
			SalesFigures: SalesFigures{UnitsRefunded: l.Quantity, RefundsMinor: l.Amount.Amount}}
	}
	return out
}
