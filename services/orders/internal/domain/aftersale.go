package domain

import (
	"errors"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
)

// AfterSaleKind is what the buyer asks for: the money back, or the same
// goods again.
type AfterSaleKind string

// The after-sale kinds.
const (
	Return   AfterSaleKind = "return"
	Exchange AfterSaleKind = "exchange"
)

// AfterSaleStatus is where an after-sale request is.
type AfterSaleStatus string

// The after-sale statuses. A request is decided by the supplier; a rejected
// one may be disputed, and an operator then decides for good. An approved
// return comes back by a return parcel, is received by the supplier and
// refunded; an approved exchange also comes back, and its replacement
// ships without a new payment.
const (
	AfterSaleRequested AfterSaleStatus = "requested"
	AfterSaleRejected  AfterSaleStatus = "rejected"
	AfterSaleDisputed  AfterSaleStatus = "disputed"
	// AfterSaleApproved: the goods are on their way back (a return parcel
	// is booked from the buyer's address to the supplier).
	AfterSaleApproved AfterSaleStatus = "approved"
	// AfterSaleReceived: the supplier has the goods back; a return is being
	// refunded.
	AfterSaleReceived AfterSaleStatus = "received"
	AfterSaleRefunded AfterSaleStatus = "refunded"
	// AfterSaleReplacementShipped: an exchange's replacement is on its way.
	AfterSaleReplacementShipped AfterSaleStatus = "replacement_shipped"
	AfterSaleExchanged          AfterSaleStatus = "exchanged"
	AfterSaleWithdrawn          AfterSaleStatus = "withdrawn"
	// AfterSaleExpired: approved, its goods were never sent back; its
	// return parcel, not picked up, is cancelled.
	AfterSaleExpired AfterSaleStatus = "expired"
)

// Open reports whether the request still claims its lines: filing another
// request for them waits until this one closes, and its sub-order does not
// settle meanwhile. A rejection is final unless disputed.
func (s AfterSaleStatus) Open() bool {
	switch s {
	case AfterSaleRejected, AfterSaleRefunded, AfterSaleExchanged, AfterSaleWithdrawn, AfterSaleExpired:
		return false
	}
	return true
}

// KnownAfterSaleStatus reports a status a request can be in.
func KnownAfterSaleStatus(st AfterSaleStatus) bool {
	switch st {
	case AfterSaleRequested, AfterSaleRejected, AfterSaleDisputed, AfterSaleApproved, AfterSaleReceived, AfterSaleRefunded,
		AfterSaleReplacementShipped, AfterSaleExchanged, AfterSaleWithdrawn, AfterSaleExpired:
		return true
	}
	return false
}

// afterSaleMoves are the transitions a request may make.
var afterSaleMoves = map[AfterSaleStatus][]AfterSaleStatus{
	AfterSaleRequested:          {AfterSaleApproved, AfterSaleRejected, AfterSaleWithdrawn},
	AfterSaleRejected:           {AfterSaleDisputed},
	AfterSaleDisputed:           {AfterSaleApproved, AfterSaleRejected, AfterSaleWithdrawn},
	AfterSaleApproved:           {AfterSaleReceived, AfterSaleReplacementShipped, AfterSaleExpired},
	AfterSaleReceived:           {AfterSaleRefunded, AfterSaleReplacementShipped},
	AfterSaleReplacementShipped: {AfterSaleReceived, AfterSaleExchanged},
	// A return's goods received after it expired (ReceivedLate).
	AfterSaleExpired: {AfterSaleReceived},
}

// AfterSale is a buyer's return or exchange request on a delivered
// sub-order.
type AfterSale struct {
	ID         uuid.UUID
	SubOrderID uuid.UUID
	OrderID    uuid.UUID
	BuyerID    string
	SupplierID uuid.UUID
	Kind       AfterSaleKind
	Status     AfterSaleStatus
	Reason     string
	// Photos are references to pictures the buyer uploaded elsewhere.
	Photos []string
	Lines  []AfterSaleLine
	// Decision is the last decision's reason; Dispute the buyer's.
	Decision, Dispute string
	// Refund is what a return refunds (goods only, in the supplier's
	// currency); ClawBack is set once refunded from the supplier's payable
	// because the sub-order had been settled.
	Refund   money.Money
	ClawBack bool
	// CashRefund, once decided, is what of Refund escrow pays the buyer when
	// it cannot pay all of it: the carrier's legs spent more than the
	// freight buffer, and the overrun the buyer would otherwise be asked to
	// top up at settlement is netted against the refund. Nil: all of it.
	CashRefund *int64
	// Set when the supplier received the goods back.
	Received    bool
	Restockable bool
	WarehouseID *uuid.UUID
	// OriginalKept is set on an exchange whose replacement shipped while its
	// original never left the buyer (its return parcel cancelled, or
	// brought back to the buyer): the buyer has both.
	OriginalKept bool
	// The parcels: back to the supplier, and an exchange's replacement.
	ReturnShipmentID, ReplacementShipmentID *uuid.UUID
	ReturnWaybill, ReplacementWaybill       string
	CreatedAt, UpdatedAt                    time.Time
}

// AfterSaleLine is part of a sub-order line given back, and what it
// refunds.
type AfterSaleLine struct {
	SKUID     uuid.UUID
	ProductID uuid.UUID
	Quantity  int32
	Amount    money.Money
}

// AfterSaleID is a request's id: the same client request id on the same
// sub-order is the same request, so filing is idempotent.
func AfterSaleID(subOrderID uuid.UUID, requestID string) uuid.UUID {
	return uuid.NewSHA1(subOrderID, []byte("after-sale:"+requestID))
}

// Move moves the request and returns the change-log entry that records it
// on its sub-order.
func (a *AfterSale) Move(to AfterSaleStatus, by Actor, reason string, at time.Time) (Change, error) {
	ok := false
	for _, s := range afterSaleMoves[a.Status] {
		ok = ok || s == to
	}
	if to == AfterSaleReplacementShipped || to == AfterSaleExchanged {
		ok = ok && a.Kind == Exchange // a return (one converted, say) ships nothing
	}
	if a.Status == AfterSaleExpired {
		ok = ok && a.Kind == Return // its replacement given back, an exchange stays expired
	}
	if !ok {
		return Change{}, apperr.FailedPrecondition("the " + string(a.Kind) + " request is " + string(a.Status) + " and cannot become " + string(to)).
			WithReason("INVALID_TRANSITION")
	}
	c := Change{OrderID: a.OrderID, SubOrderID: a.SubOrderID, From: a.logStatus(a.Status), To: a.logStatus(to), Actor: by,
		Reason: string(a.Kind) + " " + a.ID.String() + ": " + reason, At: at}
	a.Status, a.UpdatedAt = to, at
	return c, nil
}

// ReplacementBack turns an exchange whose replacement the carrier took
// back to its supplier, undelivered, or that an operator declared lost,
// into a return of the same lines: the buyer is owed the goods or their
// money, and shipping the replacement again would need a second parcel and
// a second hold under the request's id, which logistics and inventory key
// it by. A supplier with the replacement back has its stock (committed at
// pick-up) to count again; one lost is a claim on the carrier, outside
// these requests. A request whose original the supplier received is
// received as a return (its refund is next); one whose buyer kept the
// original (OriginalKept) expires: the buyer has the goods and is owed
// nothing; any other awaits its original as an approved return does, on
// its return parcel or however the buyer sends it.
func (a *AfterSale) ReplacementBack(by Actor, reason string, at time.Time) (Change, error) {
	if a.Kind != Exchange || a.Status != AfterSaleReplacementShipped {
		return Change{}, apperr.FailedPrecondition("the " + string(a.Kind) + " request is " + string(a.Status) + ": no replacement is on its way").
			WithReason("INVALID_TRANSITION")
	}
	from := a.logStatus(a.Status)
	a.Kind = Return
	switch {
	case a.Received:
		a.Status = AfterSaleReceived
	case a.OriginalKept:
		a.Status = AfterSaleExpired
	default:
		a.Status = AfterSaleApproved
	}
	a.UpdatedAt = at
	return Change{OrderID: a.OrderID, SubOrderID: a.SubOrderID, From: from, To: a.logStatus(a.Status), Actor: by,
		Reason: string(Exchange) + " " + a.ID.String() + ": " + reason, At: at}, nil
}

// logStatus names an after-sale status in the sub-order's change log,
// apart from the sub-order's own statuses.
func (a AfterSale) logStatus(s AfterSaleStatus) Status {
	return Status(string(a.Kind) + ":" + string(s))
}

// AwaitsReceipt reports whether the request's goods are still to be
// received back: on their way, and not received yet.
func (a AfterSale) AwaitsReceipt() bool { return !a.Received && a.AwaitsGoods() }

// AwaitsGoods reports whether the request's goods are on their way back
// to the supplier: approved, or an exchange whose replacement shipped or
// even arrived (it may arrive before the original is back).
func (a AfterSale) AwaitsGoods() bool {
	switch a.Status {
	case AfterSaleApproved, AfterSaleReplacementShipped:
		return true
	case AfterSaleExchanged:
		return a.Kind == Exchange
	}
	return false
}

// Note is the change-log entry of a change that keeps the request's status
// (a parcel booked, an exchange's original received back).
func (a AfterSale) Note(by Actor, why string, at time.Time) Change {
	s := a.logStatus(a.Status)
	return Change{OrderID: a.OrderID, SubOrderID: a.SubOrderID, From: s, To: s, Actor: by, Reason: string(a.Kind) + " " + a.ID.String() + ": " + why, At: at}
}

// Filed is the change-log entry of a new request.
func (a AfterSale) Filed(by Actor) Change {
	return Change{OrderID: a.OrderID, SubOrderID: a.SubOrderID, From: a.logStatus(""), To: a.logStatus(AfterSaleRequested), Actor: by,
		Reason: string(a.Kind) + " " + a.ID.String() + ": " + a.Reason, At: a.CreatedAt}
}

// AfterSaleWindow is the default time after delivery a buyer may ask for a
// return or an exchange.
const AfterSaleWindow = 14 * 24 * time.Hour

// The limits of a request's text.
const (
	MaxAfterSaleReason = 1000
	MaxPhotos          = 10
	MaxPhotoRef        = 500
)

// CheckAfterSaleText checks an after-sale text (a decision's reason, a
// dispute's) under field: at least min characters and at most
// MaxAfterSaleReason, no control characters but line breaks and tabs.
func CheckAfterSaleText(field, text string, min int) error {
	var v apperr.Violations
	apperr.CheckLongText(&v, field, text, min, MaxAfterSaleReason)
	return v.Err()
}

// AfterSaleInput is what the buyer files.
type AfterSaleInput struct {
	RequestID string
	Kind      AfterSaleKind
	Lines     []AfterSaleLineInput
	Reason    string
	Photos    []string
}

// AfterSaleLineInput is a SKU and how many of it go back.
type AfterSaleLineInput struct {
	SKUID    uuid.UUID
	Quantity int32
}

// ErrOutsideWindow refuses a request on a sub-order not delivered, or
// delivered longer ago than the window.
var ErrOutsideWindow = apperr.FailedPrecondition("returns and exchanges are accepted only within the window after delivery").
	WithReason("OUTSIDE_AFTER_SALE_WINDOW")

// NewAfterSale checks a request against its sub-order and the requests
// already filed on it, and returns it ready to store: the sub-order must be
// delivered (or completed) within window of now; every line a SKU of the
// sub-order, at most the units bought less those other requests already
// took back or still claim; no line of an open request again. Amounts are
// the lines' goods less their share of the sub-order's discount.
func NewAfterSale(sub SubOrder, order Order, in AfterSaleInput, prior []AfterSale, window time.Duration, now time.Time) (AfterSale, error) {
	if sub.Status == AwaitingTopUp {
		return AfterSale{}, ErrTopUpPending.WithMetadata("sub_order_id", sub.ID.String())
	}
	if sub.DeliveredAt == nil || (sub.Status != Delivered && sub.Status != AwaitingTopUp && sub.Status != Completed) ||
		now.After(sub.DeliveredAt.Add(window)) {
		return AfterSale{}, ErrOutsideWindow.WithMetadata("sub_order_id", sub.ID.String())
	}
	var v apperr.Violations
	CheckCheckoutID(&v, "request_id", in.RequestID)
	if in.Kind != Return && in.Kind != Exchange {
		v.Add("kind", "must be RETURN or EXCHANGE")
	}
	apperr.CheckLongText(&v, "reason", in.Reason, 1, MaxAfterSaleReason)
	if len(in.Photos) > MaxPhotos {
		v.Add("photos", "at most "+strconv.Itoa(MaxPhotos))
	}
	for i, p := range in.Photos {
		if p == "" || len(p) > MaxPhotoRef || strings.ContainsFunc(p, unicode.IsControl) {
			v.Add("photos["+strconv.Itoa(i)+"]", "must be a reference of 1 to "+strconv.Itoa(MaxPhotoRef)+" bytes, no control characters")
		}
	}
	if len(in.Lines) == 0 {
		v.Add("lines", "at least one line goes back")
	}
	bought := boughtBySKU(sub)
	taken, claimed := claimsOf(prior, uuid.Nil)
	refunds := newRefunder(sub, prior)
	var busy []string
	seen := map[uuid.UUID]bool{}
	a := AfterSale{
		ID: AfterSaleID(sub.ID, in.RequestID), SubOrderID: sub.ID, OrderID: order.ID, BuyerID: order.BuyerID, SupplierID: sub.SupplierID,
		Kind: in.Kind, Status: AfterSaleRequested, Reason: in.Reason, Photos: in.Photos, Refund: money.Money{Currency: sub.Goods.Currency},
		CreatedAt: now, UpdatedAt: now,
	}
	for i, l := range in.Lines {
		field := "lines[" + strconv.Itoa(i) + "]"
		b, ok := bought[l.SKUID]
		switch {
		case !ok:
			v.Add(field+".sku_id", "is not a SKU of this sub-order")
			continue
		case seen[l.SKUID]:
			v.Add(field+".sku_id", "appears twice")
			continue
		case claimed[l.SKUID]:
			busy = append(busy, l.SKUID.String())
			continue
		case l.Quantity <= 0:
			v.Add(field+".quantity", "must be at least 1")
			continue
		case l.Quantity > b.Quantity-taken[l.SKUID]:
			v.Add(field+".quantity", "at most "+strconv.Itoa(int(b.Quantity-taken[l.SKUID]))+" of "+strconv.Itoa(int(b.Quantity))+" bought can go back")
			continue
		}
		seen[l.SKUID] = true
		amount, err := refunds.line(b, l.Quantity)
		if err != nil {
			return AfterSale{}, err
		}
		a.Lines = append(a.Lines, AfterSaleLine{SKUID: l.SKUID, ProductID: b.ProductID, Quantity: l.Quantity, Amount: amount})
		a.Refund.Amount += amount.Amount
	}
	if err := v.Err(); err != nil {
		return AfterSale{}, err
	}
	if len(busy) > 0 {
		return AfterSale{}, ErrLinesClaimed.WithMetadata("sku_ids", strings.Join(busy, ","))
	}
	return a, nil
}

// ErrTopUpPending refuses a request on a sub-order waiting for its top-up:
// its settlement is decided at the goods it has, and a refund out of its
// escrow now would leave the top-up asking for the wrong amount. Once the
// top-up is paid the sub-order completes, and a return is clawed back from
// the supplier.
var ErrTopUpPending = apperr.FailedPrecondition("the sub-order waits for its top-up request to be paid; file the request once it is").
	WithReason("TOP_UP_PENDING")

// ErrLinesClaimed refuses a request for goods another open request of the
// sub-order already claims: one request at a time decides them.
var ErrLinesClaimed = apperr.FailedPrecondition("goods of this request already have an open return or exchange request").
	WithReason("AFTER_SALE_OPEN")

// ErrAlreadyDisputed refuses a second dispute: the operator's decision on
// the first is final.
var ErrAlreadyDisputed = apperr.FailedPrecondition("the request was disputed already; the operator's decision is final").
	WithReason("ALREADY_DISPUTED")

// CheckDispute checks that a rejected request may be disputed: once only,
// and while its goods are still its own (CheckGoodsStillItsOwn).
func (a AfterSale) CheckDispute(sub SubOrder, others []AfterSale) error {
	if a.Dispute != "" {
		return ErrAlreadyDisputed.WithMetadata("after_sale_id", a.ID.String())
	}
	return a.CheckGoodsStillItsOwn(sub, others)
}

// ReceivedLate reports whether the request is a return that expired with
// its goods not received: goods that reach the supplier all the same (sent
// late, or by the buyer's own means with no parcel of ours to show them on
// their way) are still received, and refunded.
func (a AfterSale) ReceivedLate() bool {
	return a.Kind == Return && a.Status == AfterSaleExpired && !a.Received
}

// CheckGoodsStillItsOwn checks that no other request of the sub-order
// claims or took back a closed request's goods (ErrLinesClaimed). Closing
// it (rejected, expired) released them, so a later request may have done
// so; reopened (disputed, its goods received late), this one would claim
// them twice and refund them twice.
func (a AfterSale) CheckGoodsStillItsOwn(sub SubOrder, others []AfterSale) error {
	bought := boughtBySKU(sub)
	taken, claimed := claimsOf(others, a.ID)
	var busy []string
	for _, l := range a.Lines {
		if claimed[l.SKUID] || l.Quantity > bought[l.SKUID].Quantity-taken[l.SKUID] {
			busy = append(busy, l.SKUID.String())
		}
	}
	if len(busy) > 0 {
		return ErrLinesClaimed.WithMetadata("sku_ids", strings.Join(busy, ","))
	}
	return nil
}

// SameRequest reports whether in files the request a is: a repeated
// filing with its request id. Another kind (as filed), reason or lines
// under the same id is another request.
func (a AfterSale) SameRequest(in AfterSaleInput) bool {
	kind := a.Kind
	if a.ReplacementShipmentID != nil {
		kind = Exchange // filed as one, a return since its replacement came back
	}
	if kind != in.Kind || a.Reason != in.Reason || len(a.Lines) != len(in.Lines) {
		return false
	}
	for i, l := range in.Lines {
		if a.Lines[i].SKUID != l.SKUID || a.Lines[i].Quantity != l.Quantity {
			return false
		}
	}
	return true
}

// boughtBySKU is a sub-order's lines by SKU, the quantities of a SKU
// bought on several lines added up.
func boughtBySKU(sub SubOrder) map[uuid.UUID]OrderLine {
	bought := map[uuid.UUID]OrderLine{}
	for _, l := range sub.Lines {
		if b, ok := bought[l.SKUID]; ok {
			l.Quantity += b.Quantity
			l.Discount += b.Discount
		}
		bought[l.SKUID] = l
	}
	return bought
}

// claimsOf is what requests (all but except) hold of a sub-order's goods:
// the units taken back or on their way, per SKU, and the SKUs an open
// request claims. Rejected, withdrawn and expired requests hold nothing.
func claimsOf(requests []AfterSale, except uuid.UUID) (taken map[uuid.UUID]int32, claimed map[uuid.UUID]bool) {
	taken, claimed = map[uuid.UUID]int32{}, map[uuid.UUID]bool{}
	for _, p := range requests {
		if p.ID == except || !p.holdsGoods() {
			continue
		}
		for _, l := range p.Lines {
			taken[l.SKUID] += l.Quantity
			claimed[l.SKUID] = claimed[l.SKUID] || p.Status.Open()
		}
	}
	return taken, claimed
}

// holdsGoods reports whether a request holds its goods: taken back or on
// their way. Rejected, withdrawn and expired requests hold nothing.
func (a AfterSale) holdsGoods() bool {
	return a.Status != AfterSaleRejected && a.Status != AfterSaleWithdrawn && a.Status != AfterSaleExpired
}

// refunder prices the lines a request takes back from a sub-order: their
// goods price less their share of the sub-order's coupon discount. Freight
// is not refunded: the parcel was carried, and what the buffer did not
// spend goes back at settlement.
//
// A line's share comes out of the discount it carries (OrderLine.Discount):
// the coupon's discount of the goods it covered, so returning a discounted
// good does not take back part of a discount other goods earned, nor the
// reverse. An order placed before lines kept their part shares the
// sub-order's discount over all its goods instead.
//
// Shares are allocated cumulatively over every unit taken back so far (the
// requests that hold goods, then this request's lines in order): the
// discount due on all of them, pro rata and rounded down, less what
// earlier units already carried. So the refunds of a line (or of a legacy
// sub-order) never sum above what its goods were paid and, with every unit
// back, sum to it exactly; a share rounded down request by request would
// refund up to a minor unit too much each time.
type refunder struct {
	sub     SubOrder
	perLine bool
	// back and allocated are, per pool (see pool), what was taken back so
	// far and the discount it carried.
	back, allocated map[uuid.UUID]int64
}

func newRefunder(sub SubOrder, prior []AfterSale) refunder {
	r := refunder{sub: sub, back: map[uuid.UUID]int64{}, allocated: map[uuid.UUID]int64{}}
	for _, l := range sub.Lines {
		r.perLine = r.perLine || l.Discount > 0
	}
	bought := boughtBySKU(sub)
	for _, p := range prior {
		if !p.holdsGoods() {
			continue
		}
		for _, l := range p.Lines {
			gross := bought[l.SKUID].UnitPrice.Amount * int64(l.Quantity)
			key, taken := r.pool(l.SKUID, l.Quantity, gross)
			r.back[key] += taken
			r.allocated[key] += gross - l.Amount.Amount
		}
	}
	return r
}

// pool is where a return of quantity units of a SKU (gross, their goods
// price) is counted: the SKU's own line, in units, or, for a legacy
// sub-order, the whole sub-order (uuid.Nil), in minor units of goods.
func (r *refunder) pool(sku uuid.UUID, quantity int32, gross int64) (key uuid.UUID, taken int64) {
	if r.perLine {
		return sku, int64(quantity)
	}
	return uuid.Nil, gross
}

// line prices quantity units of a bought line (its quantities on several
// lines added up, boughtBySKU), taken back after those already counted.
func (r *refunder) line(l OrderLine, quantity int32) (money.Money, error) {
	gross, err := l.UnitPrice.MulInt(int64(quantity))
	if err != nil {
		return money.Money{}, err
	}
	if r.sub.Discount <= 0 || r.sub.Goods.Amount <= 0 {
		return gross, nil
	}
	// The pool's discount over all of it: the line's, or the sub-order's.
	discount, whole := r.sub.Discount, r.sub.Goods.Amount
	if r.perLine {
		discount, whole = l.Discount, int64(l.Quantity)
	}
	key, taken := r.pool(l.SKUID, quantity, gross.Amount)
	r.back[key] += taken
	if discount <= 0 || whole <= 0 {
		return gross, nil
	}
	due, err := mulDiv(r.back[key], discount, whole)
	if err != nil {
		return money.Money{}, err
	}
	share := min(max(due-r.allocated[key], 0), gross.Amount)
	r.allocated[key] += share
	return money.Money{Currency: gross.Currency, Amount: gross.Amount - share}, nil
}

// Parcel is what a request's goods weigh and measure: the sub-order's
// parcel, pro rata to the units they are of the units bought (at least
// 1 g and 1 cm³), for the parcel back and an exchange's replacement.
func (a AfterSale) Parcel(sub SubOrder) (weightG, volumeCM3 int64) {
	var bought, back int64
	for _, l := range sub.Lines {
		bought += int64(l.Quantity)
	}
	for _, l := range a.Lines {
		back += int64(l.Quantity)
	}
	if bought == 0 {
		return 0, 0
	}
	return max(sub.WeightG*back/bought, 1), max(sub.VolumeCM3*back/bought, 1)
}

// mulDiv is a × b / c rounded down, without overflowing on the way.
func mulDiv(a, b, c int64) (int64, error) {
	if c == 0 {
		return 0, errors.New("division by zero")
	}
	q := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
	q.Quo(q, big.NewInt(c))
	if !q.IsInt64() {
		return 0, errors.New("amount out of range")
	}
	return q.Int64(), nil
}
