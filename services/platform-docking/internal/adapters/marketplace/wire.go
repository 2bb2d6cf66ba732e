package marketplace

import (
	"strconv"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	partnerv1 "github.com/crossdock/crossdock/gen/crossdock/partner/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// The translation between docking's domain and the standard protocol's
// messages. What a partner sends is checked as far as docking relies on it
// (amounts in a known currency); anything else is kept as sent.

func partnerListing(l domain.Listing) *partnerv1.PartnerListing {
	return &partnerv1.PartnerListing{
		Marker: l.Marker, ProductId: l.ProductID, SkuId: l.SKUID, SkuCode: l.SKUCode, SupplierId: l.SupplierID,
		Locale: l.Locale, Title: l.Title, Description: l.Description, Images: l.Images, Attributes: l.Attributes,
		Price: &commonv1.Money{CurrencyCode: l.Price.Currency, AmountMinor: l.Price.Amount},
		Stock: l.Stock, WeightG: l.WeightG,
	}
}

var listingStatuses = map[partnerv1.ListingStatus]domain.ListingStatus{
	partnerv1.ListingStatus_LISTING_STATUS_PENDING:   domain.ListingPending,
	partnerv1.ListingStatus_LISTING_STATUS_LIVE:      domain.ListingLive,
	partnerv1.ListingStatus_LISTING_STATUS_REJECTED:  domain.ListingRejected,
	partnerv1.ListingStatus_LISTING_STATUS_WITHDRAWN: domain.ListingWithdrawn,
}

// listingState maps a listing's state; a status docking cannot place is a
// bad answer, not something to guess at.
func listingState(st *partnerv1.ListingState) (domain.ListingState, error) {
	status, ok := listingStatuses[st.GetStatus()]
	if !ok {
		return domain.ListingState{}, badAnswer("listing " + st.GetMarker() + " has the status " + st.GetStatus().String())
	}
	updated, err := timeOf(st.GetUpdatedAt(), "updated_at")
	if err != nil {
		updated = time.Time{} // a time out of range is no time: the state itself is what counts
	}
	return domain.CleanListingState(domain.ListingState{Marker: st.GetMarker(), PartnerListingID: st.GetListingId(), Status: status,
		Reasons: st.GetReasons(), UpdatedAt: updated}), nil
}

var orderStatuses = map[partnerv1.OrderStatus]domain.OrderStatus{
	partnerv1.OrderStatus_ORDER_STATUS_AWAITING_PAYMENT: domain.OrderAwaitingPayment,
	partnerv1.OrderStatus_ORDER_STATUS_PAID:             domain.OrderPaid,
	partnerv1.OrderStatus_ORDER_STATUS_SHIPPED:          domain.OrderShipped,
	partnerv1.OrderStatus_ORDER_STATUS_COMPLETED:        domain.OrderCompleted,
	partnerv1.OrderStatus_ORDER_STATUS_CANCELLED:        domain.OrderCancelled,
}

// orderStatus maps a partner's order status: a known one with its enum
// name as the raw status, any other number (proto3 enums are open) as
// OrderUnknown with the number, for an operator to look at.
func orderStatus(s partnerv1.OrderStatus) (domain.OrderStatus, string) {
	if st, ok := orderStatuses[s]; ok {
		return st, s.String()
	}
	return domain.OrderUnknown, strconv.Itoa(int(s))
}

func partnerOrder(o *partnerv1.PartnerOrder) (domain.PartnerOrder, error) {
	// What cannot be read is noted, not fatal: the order is kept unread
	// (held when it holds goods of ours) and the page goes on.
	var problems []string
	note := func(err error) {
		if err != nil {
			problems = append(problems, err.Error())
		}
	}
	total, err := moneyOf(o.GetTotal(), "order "+o.GetOrderId()+" total")
	note(err)
	status, rawStatus := orderStatus(o.GetStatus())
	po := domain.PartnerOrder{ID: o.GetOrderId(), Status: status, RawStatus: rawStatus, BuyerRef: o.GetBuyerRef(),
		Total: total, Raw: rawOf(o)}
	po.PlacedAt, err = timeOf(o.GetPlacedAt(), "placed_at")
	note(err)
	po.UpdatedAt, err = timeOf(o.GetUpdatedAt(), "updated_at")
	note(err)
	if a := o.GetAddress(); a != nil {
		po.Address = &domain.Address{Recipient: a.GetRecipient(), Phone: a.GetPhone(), CountryCode: a.GetCountryCode(),
			RegionCode: a.GetRegionCode(), City: a.GetCity(), Postcode: a.GetPostcode(), Lines: a.GetLines()}
	}
	if o.GetPaidAt() != nil {
		paid, err := timeOf(o.GetPaidAt(), "paid_at")
		note(err)
		po.PaidAt = &paid
	}
	for _, it := range o.GetItems() {
		price, err := moneyOf(it.GetUnitPrice(), "order "+o.GetOrderId()+" item "+it.GetItemId())
		if _, ours := domain.SKUOfMarker(it.GetMarker()); err != nil && ours {
			problems = append(problems, err.Error()) // another seller's price is no concern of ours
		}
		po.Items = append(po.Items, domain.OrderItem{ItemID: it.GetItemId(), ListingID: it.GetListingId(),
			Marker: it.GetMarker(), Quantity: it.GetQuantity(), UnitPrice: price})
	}
	po.MarkUnreadable(problems)
	return po, nil
}

// settlementLine reads a partner's settlement line. One that cannot be read
// whole (no id, no order, an amount in no known currency, no time) is kept
// as an unreadable line for an operator (domain.CheckedLine) rather than
// failing the page it is on.
func settlementLine(l *partnerv1.SettlementLine) (domain.SettlementLine, error) {
	line := domain.SettlementLine{LineID: l.GetLineId(), PartnerOrderID: l.GetOrderId(), Raw: rawOf(l)}
	var problems []string
	var err error
	// The line id keys the line (and finance's credit of it). One without is
	// named by its content, encoded deterministically: protojson's output
	// may vary from one build to the next.
	if l.GetLineId() == "" {
		problems = append(problems, "no line id")
		content, err := proto.MarshalOptions{Deterministic: true}.Marshal(l)
		if err != nil {
			return domain.SettlementLine{}, badAnswer("a settlement line without an id cannot be encoded")
		}
		line.LineID = domain.ContentID(content)
	}
	if l.GetOrderId() == "" {
		problems = append(problems, "no order id")
	}
	if line.Gross, err = moneyOf(l.GetGross(), "gross"); err != nil {
		problems = append(problems, err.Error())
	}
	if line.Fees, err = moneyOf(l.GetFees(), "fees"); err != nil {
		problems = append(problems, err.Error())
	}
	if l.GetSettledAt() == nil {
		problems = append(problems, "no settlement time")
	} else if line.SettledAt, err = timeOf(l.GetSettledAt(), "settled_at"); err != nil {
		problems = append(problems, err.Error())
	}
	return domain.CheckedLine(line, problems), nil
}

// payoutOf reads a partner's payout. One that cannot be read whole (no id
// or one too long, an amount in no known currency or not above zero, no
// time) is kept as an unreadable payout for an operator
// (domain.CheckedPayout) rather than failing the page it is on.
func payoutOf(po *partnerv1.Payout) (domain.Payout, error) {
	out := domain.Payout{PayoutID: po.GetPayoutId(), Raw: rawOf(po)}
	var problems []string
	var err error
	if id := po.GetPayoutId(); id == "" || len(id) > domain.MaxPayoutID {
		problems = append(problems, "no payout id of at most 128 bytes")
		content, err := proto.MarshalOptions{Deterministic: true}.Marshal(po)
		if err != nil {
			return domain.Payout{}, badAnswer("a payout without an id cannot be encoded")
		}
		out.PayoutID = domain.ContentID(content)
	}
	if out.Amount, err = moneyOf(po.GetAmount(), "amount"); err != nil {
		problems = append(problems, err.Error())
	} else if out.Amount.Amount <= 0 {
		problems = append(problems, "the amount is not above zero")
	}
	if po.GetPaidAt() == nil {
		problems = append(problems, "no payment time")
	} else if out.PaidAt, err = timeOf(po.GetPaidAt(), "paid_at"); err != nil {
		problems = append(problems, err.Error())
	}
	return domain.CheckedPayout(out, problems), nil
}

// rawOf is a partner's message as docking keeps it: protojson, or, when
// protojson refuses it (a timestamp outside the range a Timestamp may
// hold), its text format, which keeps every field as sent.
func rawOf(m proto.Message) []byte {
	if raw, err := protojson.Marshal(m); err == nil {
		return raw
	}
	raw, _ := prototext.Marshal(m)
	return raw
}

// timeOf reads a time the partner sent: zero when it sent none, an error
// when it is outside the range a Timestamp may hold (years 1 to 9999).
func timeOf(ts *timestamppb.Timestamp, what string) (time.Time, error) {
	if ts == nil {
		return time.Time{}, nil
	}
	if err := ts.CheckValid(); err != nil {
		return time.Time{}, badAnswer(what + " is not a time: " + err.Error())
	}
	return ts.AsTime(), nil
}

// moneyOf checks an amount the partner sent.
func moneyOf(m *commonv1.Money, what string) (money.Money, error) {
	v, err := money.New(m.GetAmountMinor(), m.GetCurrencyCode())
	if err != nil {
		return money.Money{}, badAnswer(what + " is not in a known currency").Wrap(err)
	}
	return v, nil
}

// badAnswer is a partner answering something docking cannot take.
func badAnswer(what string) *apperr.Error {
	return apperr.FailedPrecondition("the partner's answer is malformed: " + what).WithReason("PARTNER_BAD_ANSWER")
}

// windowBounds is a window's bounds; a zero bound is left unset (open).
func windowBounds(w domain.Window) (from, to *timestamppb.Timestamp) {
	if !w.From.IsZero() {
		from = timestamppb.New(w.From)
	}
	if !w.To.IsZero() {
		to = timestamppb.New(w.To)
	}
	return from, to
}
