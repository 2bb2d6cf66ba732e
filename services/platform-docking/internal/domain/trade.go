package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/crossdock/crossdock/pkg/money"
)

// MarkerPrefix starts the marker on every listing Crossdock pushes: a
// partner returns it on order items, so Crossdock tells its goods from the
// partner's other sellers'.
const MarkerPrefix = "crossdock:"

// Marker is the marker of a SKU's listings.
func Marker(skuID string) string { return MarkerPrefix + skuID }

// SKUOfMarker returns the SKU a marker names, and false for an item without
// our marker.
func SKUOfMarker(marker string) (string, bool) {
	sku, ok := strings.CutPrefix(marker, MarkerPrefix)
	return sku, ok && sku != ""
}

// Channel is the orders channel of a partner's orders: "partner:" + code.
func Channel(code string) string { return "partner:" + code }

// CodeOfChannel returns the partner code of an orders channel, and false
// for a channel that is no partner's.
func CodeOfChannel(channel string) (string, bool) {
	code, ok := strings.CutPrefix(channel, "partner:")
	return code, ok && code != ""
}

// ListingStatus is where a pushed listing is on the partner's platform.
type ListingStatus string

// The statuses of a listing.
const (
	// ListingQueued is to be pushed: new, or changed since the last push.
	ListingQueued ListingStatus = "queued"
	// ListingPending was received by the partner and awaits its checks.
	ListingPending ListingStatus = "pending"
	// ListingLive is on sale on the partner's platform.
	ListingLive ListingStatus = "live"
	// ListingRejected was refused by the partner, with reasons.
	ListingRejected ListingStatus = "rejected"
	// ListingWithdrawn was taken off sale.
	ListingWithdrawn ListingStatus = "withdrawn"
)

// Listing is one SKU as Crossdock lists it on a partner: content in one of
// the partner's locales, price, stock, our marker and the original codes.
type Listing struct {
	Marker      string
	ProductID   string
	SKUID       string
	SKUCode     string
	SupplierID  string
	Locale      string
	Title       string
	Description string
	Images      []string
	Attributes  map[string]string
	Price       money.Money
	Stock       int64
	WeightG     int64
}

// ListingState is a listing's state as the partner reports it.
type ListingState struct {
	Marker           string
	PartnerListingID string
	Status           ListingStatus
	Reasons          []string
	UpdatedAt        time.Time
}

// ReadableStates maps a partner's answer on its listings with read. The
// states read cannot map (a status newer than the protocol this side
// speaks) are left out and returned joined as unreadable: their listings
// stay pending, asked about again in their turn, the others' verdicts are
// recorded, and the poll reports the rest as failed for operators. Failing
// the whole answer for one of them, no verdict was read again.
func ReadableStates[T any](answer []T, read func(T) (ListingState, error)) (states []ListingState, unreadable error) {
	states = make([]ListingState, 0, len(answer))
	var errs []error
	for _, a := range answer {
		s, err := read(a)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		states = append(states, s)
	}
	return states, errors.Join(errs...)
}

// OrderStatus is a partner order's status, mapped from the partner's own
// values. OrderUnknown is a value the connector did not recognise: such an
// order is held for an operator, never guessed at.
type OrderStatus string

// The partner order statuses docking understands.
const (
	OrderAwaitingPayment OrderStatus = "awaiting_payment"
	OrderPaid            OrderStatus = "paid"
	OrderShipped         OrderStatus = "shipped"
	OrderCompleted       OrderStatus = "completed"
	OrderCancelled       OrderStatus = "cancelled"
	OrderUnknown         OrderStatus = "unknown"
)

// Address is where a partner's buyer wants the goods.
type Address struct {
	Recipient   string
	Phone       string
	CountryCode string
	RegionCode  string
	City        string
	Postcode    string
	Lines       []string
}

// IsZero reports an address with nothing in it: none was given.
func (a Address) IsZero() bool {
	return a.Recipient == "" && a.Phone == "" && a.CountryCode == "" && a.RegionCode == "" && a.City == "" && a.Postcode == "" && len(a.Lines) == 0
}

// OrderItem is one line of a partner's order.
type OrderItem struct {
	ItemID    string
	ListingID string
	// Marker is our marker when the goods are ours, empty otherwise.
	Marker    string
	Quantity  int32
	UnitPrice money.Money
}

// PartnerOrder is an order on a partner's platform, as its connector mapped
// it. RawStatus is the partner's status as sent (a name or a number); Raw is
// the whole order as received, kept for operators and disputes.
type PartnerOrder struct {
	ID        string
	Status    OrderStatus
	RawStatus string
	BuyerRef  string
	Address   *Address
	Items     []OrderItem
	Total     money.Money
	PlacedAt  time.Time
	PaidAt    *time.Time
	UpdatedAt time.Time
	Raw       []byte
}

// MarkUnreadable keeps an order a connector could not read whole (a price,
// an amount or a time it cannot parse, text PostgreSQL cannot store) as
// OrderUnknown, the problems in its raw status: one with lines of ours is
// held for an operator, never guessed at, one without is ignored, and the
// orders beside it on the partner's page are read on instead of the whole
// page failing on it every round. Connectors call it on every order they
// read: it is where such text is found and replaced (TextProblem).
func (o *PartnerOrder) MarkUnreadable(problems []string) {
	if o.cleanText() {
		problems = WithTextProblem(problems)
	}
	if len(problems) == 0 {
		return
	}
	cleanAll(problems)
	o.Status = OrderUnknown
	o.RawStatus += " (unreadable: " + strings.Join(problems, "; ") + ")"
}

// cleanText replaces, in every text field of the order, what PostgreSQL
// cannot store, and reports whether there was any.
func (o *PartnerOrder) cleanText() bool {
	dirty := cleanFields(&o.ID, &o.RawStatus, &o.BuyerRef)
	if a := o.Address; a != nil {
		dirty = cleanFields(&a.Recipient, &a.Phone, &a.CountryCode, &a.RegionCode, &a.City, &a.Postcode) || dirty
		dirty = cleanAll(a.Lines) || dirty
	}
	for i := range o.Items {
		it := &o.Items[i]
		dirty = cleanFields(&it.ItemID, &it.ListingID, &it.Marker) || dirty
	}
	return dirty
}

// Window is a half-open time range [From, To).
type Window struct {
	From, To time.Time
}

// OrderPage is one page of a partner's order listing; Next is empty on the
// last page.
type OrderPage struct {
	Orders []PartnerOrder
	Next   string
}

// Shipment is a package of a partner's order confirmed to the partner: its
// items (the partner's item ids; empty for all of ours), carrier and
// waybill.
type Shipment struct {
	PartnerOrderID string
	ItemIDs        []string
	CarrierCode    string
	Waybill        string
}

// SettlementLine is money a partner credited to Crossdock's seller account
// for one of its orders, less the fees it kept.
type SettlementLine struct {
	LineID         string
	PartnerOrderID string
	Gross          money.Money
	Fees           money.Money
	SettledAt      time.Time
	Raw            []byte
	// Problems is what a connector could not read of the line (its id, its
	// order, an amount or its time): such a line is kept unreadable, for an
	// operator, and never credited.
	Problems []string
}

// CheckedLine finishes a connector's reading of a line with the problems
// it found: text PostgreSQL cannot store is replaced (TextProblem), and a
// line with any problem is kept unreadable (unreadable).
func CheckedLine(l SettlementLine, problems []string) SettlementLine {
	if cleanFields(&l.LineID, &l.PartnerOrderID) {
		problems = WithTextProblem(problems)
	}
	l.Problems = unreadable(&l.LineID, l.Raw, problems)
	return l
}

// unreadable is the problems of a record a connector could not read whole,
// kept with the record as the partner sent it (raw), for an operator; nil
// when it read whole. One without an id of its own is named by its raw
// content (ContentID), so reading it again finds it stored, and the
// records beside it on the partner's page are read on instead of the whole
// page failing on it every round.
func unreadable(id *string, raw []byte, problems []string) []string {
	if len(problems) == 0 {
		return nil
	}
	cleanAll(problems)
	if *id == "" {
		*id = ContentID(raw)
	}
	return problems
}

// ContentID names a settlement line or a payout without an id of its own
// by its content: "unreadable-" and a hash of it. The content must be the
// same bytes each time the partner sends the same record (a deterministic
// encoding).
func ContentID(content []byte) string {
	sum := sha256.Sum256(content)
	return ContentIDPrefix + hex.EncodeToString(sum[:12])
}

// ContentIDPrefix starts the name ContentID gives a record.
const ContentIDPrefix = "unreadable-"

// NeverReadsWhole reports an unreadable record that reading again from what
// was kept of it cannot read whole: one named by its content (it has no id
// of its own), or one kept with U+FFFD in place of what the partner sent
// (TextProblem), which would read whole as something the partner never
// sent.
func NeverReadsWhole(id string, problems []string) bool {
	return strings.HasPrefix(id, ContentIDPrefix) || slices.Contains(problems, TextProblem)
}

// SettlementPage is one page of a partner's settlement lines.
type SettlementPage struct {
	Lines []SettlementLine
	Next  string
}

// Payout is money a partner paid out of Crossdock's seller account there to
// Crossdock's bank: a withdrawal from our virtual account at the partner,
// which finance records so the account keeps matching what the partner
// holds.
type Payout struct {
	PayoutID string
	Amount   money.Money
	PaidAt   time.Time
	Raw      []byte
	// Problems is what a connector could not read of the payout (its id,
	// its amount or its time): such a payout is kept unreadable, for an
	// operator, and never recorded in finance.
	Problems []string
}

// CheckedPayout finishes a connector's reading of a payout with the
// problems it found, as CheckedLine does a line's; one without a usable id
// is named by its content.
func CheckedPayout(p Payout, problems []string) Payout {
	if cleanFields(&p.PayoutID) {
		problems = WithTextProblem(problems)
		if len(p.PayoutID) > MaxPayoutID { // U+FFFD is 3 bytes
			p.PayoutID = ContentID([]byte(p.PayoutID))
		}
	}
	p.Problems = unreadable(&p.PayoutID, p.Raw, problems)
	return p
}

// MaxPayoutID is the longest payout id docking keeps as the partner's own;
// a longer one is unreadable, named by its content.
const MaxPayoutID = 128

// PayoutPage is one page of a partner's payouts.
type PayoutPage struct {
	Payouts []Payout
	Next    string
}
