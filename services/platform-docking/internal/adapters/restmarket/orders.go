package restmarket

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// pageSize is the most the protocol's list methods give per page.
const pageSize = 100

// The partner's trade statuses. Any other number is an order docking does
// not understand: OrderUnknown, held for an operator.
var tradeStatuses = map[int]domain.OrderStatus{
	10: domain.OrderAwaitingPayment,
	20: domain.OrderPaid,
	30: domain.OrderShipped,
	40: domain.OrderCompleted,
	90: domain.OrderCancelled,
}

// wireTrade is a trade as the partner answers it.
type wireTrade struct {
	TID             string      `json:"tid"`
	Status          int         `json:"status"`
	BuyerNick       string      `json:"buyer_nick"`
	ReceiverName    string      `json:"receiver_name"`
	ReceiverMobile  string      `json:"receiver_mobile"`
	ReceiverCountry string      `json:"receiver_country"`
	ReceiverState   string      `json:"receiver_state"`
	ReceiverCity    string      `json:"receiver_city"`
	ReceiverZip     string      `json:"receiver_zip"`
	ReceiverAddress string      `json:"receiver_address"`
	Orders          []wireOrder `json:"orders"`
	Payment         string      `json:"payment"`
	Currency        string      `json:"currency"`
	Created         string      `json:"created"`
	PayTime         string      `json:"pay_time"`
	Modified        string      `json:"modified"`
}

// wireOrder is a trade's line (TOP calls lines "orders").
type wireOrder struct {
	OID      string `json:"oid"`
	NumIID   string `json:"num_iid"`
	OuterIID string `json:"outer_iid"`
	Num      int32  `json:"num"`
	Price    string `json:"price"`
	Currency string `json:"currency"`
}

// pageNo reads a page token: the page number as text, empty for the first.
func pageNo(page string) (int, error) {
	if page == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(page)
	if err != nil || n < 1 {
		return 0, apperr.InvalidField("page", "must be a page token this connector returned")
	}
	return n, nil
}

// ListOrders reads trades.sold.increment.get: the trades modified in w,
// the window written in the partner's zone and whole seconds.
func (c *Client) ListOrders(ctx context.Context, p domain.Partner, w domain.Window, page string) (domain.OrderPage, error) {
	orders, next, err := listWindow(ctx, c, p, windowCall{"trades.sold.increment.get", "start_modified", "end_modified", "trades"}, w, page, partnerOrder)
	return domain.OrderPage{Orders: orders, Next: next}, err
}

// GetOrder reads one trade with trade.get.
func (c *Client) GetOrder(ctx context.Context, p domain.Partner, orderID string) (domain.PartnerOrder, error) {
	var a struct {
		Trade json.RawMessage `json:"trade"`
	}
	err := c.call(ctx, p, "trade.get", url.Values{"tid": {orderID}}, &a)
	if errors.Is(err, errNoSuchTrade) {
		return domain.PartnerOrder{}, apperr.NotFound("partner order", orderID)
	}
	if err != nil {
		return domain.PartnerOrder{}, err
	}
	o, err := partnerOrder(a.Trade)
	if err != nil {
		return domain.PartnerOrder{}, badAnswer("trade.get", err)
	}
	return o, nil
}

// partnerOrder maps a trade, keeping it as received in Raw.
func partnerOrder(raw json.RawMessage) (domain.PartnerOrder, error) {
	var t wireTrade
	if err := json.Unmarshal(raw, &t); err != nil {
		return undecodedTrade(raw, err)
	}
	if t.TID == "" {
		return domain.PartnerOrder{}, errors.New("a trade without a tid")
	}
	o := domain.PartnerOrder{ID: t.TID, RawStatus: strconv.Itoa(t.Status), BuyerRef: t.BuyerNick,
		Raw: append([]byte(nil), raw...)}
	status, ok := tradeStatuses[t.Status]
	if !ok {
		status = domain.OrderUnknown
	}
	o.Status = status
	// What cannot be read is noted, not fatal: the order is kept unread
	// (held when it holds goods of ours) and the page goes on.
	problems := textProblems(raw)
	note := func(what string, err error) { problems = append(problems, what+": "+err.Error()) }
	var err error
	if o.Total, err = parseMajor(t.Payment, t.Currency); err != nil {
		note("payment", err)
	}
	for _, l := range t.Orders {
		item, err := orderItem(l, t.Currency)
		if err != nil && item.Marker != "" {
			note("line "+l.OID, err)
		}
		o.Items = append(o.Items, item)
	}
	if a := address(t); a != nil {
		o.Address = a
	}
	if o.PlacedAt, err = parseTime(t.Created); err != nil {
		note("created", err)
	}
	if o.UpdatedAt, err = parseTime(t.Modified); err != nil {
		note("modified", err)
	}
	if t.PayTime != "" {
		if paid, err := parseTime(t.PayTime); err != nil {
			note("pay_time", err)
		} else {
			o.PaidAt = &paid
		}
	}
	o.MarkUnreadable(problems)
	return o, nil
}

// undecodedTrade is a trade whose fields do not decode as the protocol
// has them (a number where a string goes, say). Failing its page would fail
// every round's pull at it, and no later order of the partner's would ever
// be read: it is kept unread instead (held when a line carries a marker of
// ours, passed over otherwise), its tid, time and markers read one field
// at a time as far as they go. A trade that is not even an object, or has
// no tid, still fails the page.
func undecodedTrade(raw json.RawMessage, cause error) (domain.PartnerOrder, error) {
	var loose struct {
		TID      json.RawMessage `json:"tid"`
		Modified json.RawMessage `json:"modified"`
		Orders   json.RawMessage `json:"orders"`
	}
	if err := json.Unmarshal(raw, &loose); err != nil {
		return domain.PartnerOrder{}, cause
	}
	tid := jsonScalar(loose.TID)
	if tid == "" {
		return domain.PartnerOrder{}, errors.New("a trade without a tid")
	}
	o := domain.PartnerOrder{ID: tid, Status: domain.OrderUnknown, Raw: append([]byte(nil), raw...)}
	problems := textProblems(raw, "the trade does not decode: "+cause.Error())
	if modified, err := parseTime(jsonScalar(loose.Modified)); err == nil {
		o.UpdatedAt = modified
	}
	var lines []json.RawMessage
	_ = json.Unmarshal(loose.Orders, &lines)
	for _, line := range lines {
		var l map[string]json.RawMessage
		if json.Unmarshal(line, &l) != nil {
			continue
		}
		if marker := jsonScalar(l["outer_iid"]); marker != "" {
			if _, ours := domain.SKUOfMarker(marker); ours {
				o.Items = append(o.Items, domain.OrderItem{ItemID: jsonScalar(l["oid"]), ListingID: jsonScalar(l["num_iid"]), Marker: marker})
			}
		}
	}
	if len(o.Items) == 0 {
		// No line could be read for a marker, yet one of ours is in the
		// trade somewhere (lines in another shape): it is held with it, not
		// passed over as another seller's.
		if marker, ok := markerIn(raw); ok {
			o.Items = append(o.Items, domain.OrderItem{Marker: marker})
		}
	}
	o.MarkUnreadable(problems)
	return o, nil
}

// markerIn finds a marker of ours anywhere in raw: the prefix and the SKU
// id after it, up to the end of the JSON string or word it is in.
func markerIn(raw []byte) (string, bool) {
	i := bytes.Index(raw, []byte(domain.MarkerPrefix))
	if i < 0 {
		return "", false
	}
	rest := raw[i+len(domain.MarkerPrefix):]
	if end := bytes.IndexAny(rest, "\"\\ \t\r\n,:;{}[]"); end >= 0 {
		rest = rest[:end]
	}
	marker := domain.MarkerPrefix + string(rest[:min(len(rest), 64)])
	_, ok := domain.SKUOfMarker(marker)
	return marker, ok
}

// jsonScalar is a JSON string's text or a number's digits, and "" for
// anything else.
func jsonScalar(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// orderItem maps a line; its marker is kept only when it is ours. A price
// it cannot read is an error with the line as far as it was read (another
// seller's line is no concern of ours, whatever its price says).
func orderItem(l wireOrder, currency string) (domain.OrderItem, error) {
	if l.Currency != "" {
		currency = l.Currency
	}
	item := domain.OrderItem{ItemID: l.OID, ListingID: l.NumIID, Quantity: l.Num}
	if _, ours := domain.SKUOfMarker(l.OuterIID); ours {
		item.Marker = l.OuterIID
	}
	price, err := parseMajor(l.Price, currency)
	item.UnitPrice = price
	return item, err
}

// address maps the receiver fields, nil when the partner sent none (an
// order not yet paid may have no address). The street lines come as one
// field, a line each.
func address(t wireTrade) *domain.Address {
	a := domain.Address{Recipient: t.ReceiverName, Phone: t.ReceiverMobile, CountryCode: t.ReceiverCountry,
		RegionCode: t.ReceiverState, City: t.ReceiverCity, Postcode: t.ReceiverZip}
	if t.ReceiverAddress != "" {
		a.Lines = strings.Split(t.ReceiverAddress, "\n")
	}
	if a.Recipient == "" && a.CountryCode == "" && a.City == "" && len(a.Lines) == 0 {
		return nil
	}
	return &a
}
