package restmarket

import (
	"net/url"
	"strings"

	"github.com/crossdock/crossdock/simulators/partnersim"
)

// trade is an order as the trade methods answer it, TOP's field names.
type trade struct {
	TID             string          `json:"tid"`
	Status          int             `json:"status"`
	BuyerNick       string          `json:"buyer_nick"`
	ReceiverName    string          `json:"receiver_name"`
	ReceiverMobile  string          `json:"receiver_mobile"`
	ReceiverCountry string          `json:"receiver_country"`
	ReceiverState   string          `json:"receiver_state"`
	ReceiverCity    string          `json:"receiver_city"`
	ReceiverZip     string          `json:"receiver_zip"`
	ReceiverAddress string          `json:"receiver_address"`
	Orders          []tradeLine     `json:"orders"`
	Payment         string          `json:"payment"`
	Currency        string          `json:"currency"`
	Created         string          `json:"created"`
	PayTime         string          `json:"pay_time,omitempty"`
	Modified        string          `json:"modified"`
	Logistics       []tradeShipment `json:"logistics,omitempty"`
}

// tradeLine is a line of a trade (TOP calls them orders); outer_iid is the
// seller's outer id of the item, empty for another seller's goods.
type tradeLine struct {
	OID      string `json:"oid"`
	NumIID   string `json:"num_iid"`
	OuterIID string `json:"outer_iid"`
	Num      int32  `json:"num"`
	Price    string `json:"price"`
	Currency string `json:"currency"`
}

// tradeShipment is a package confirmed with logistics.offline.send.
type tradeShipment struct {
	OutSID      string   `json:"out_sid"`
	CompanyCode string   `json:"company_code"`
	SubTIDs     []string `json:"sub_tids"`
	ConsignTime string   `json:"consign_time"`
}

func tradeOf(o partnersim.Order) trade {
	t := trade{TID: o.OrderID, Status: int(o.Status), BuyerNick: o.BuyerRef, ReceiverName: o.Address.Recipient,
		ReceiverMobile: o.Address.Phone, ReceiverCountry: o.Address.CountryCode, ReceiverState: o.Address.RegionCode,
		ReceiverCity: o.Address.City, ReceiverZip: o.Address.Postcode,
		// TOP has one address field; the lines go in it a line each.
		ReceiverAddress: strings.Join(o.Address.Lines, "\n"),
		Payment:         formatMajor(o.TotalMinor, o.Currency), Currency: o.Currency,
		Created: formatTime(o.PlacedAt), Modified: formatTime(o.UpdatedAt), Orders: []tradeLine{}}
	if o.PaidAt != nil {
		t.PayTime = formatTime(*o.PaidAt)
	}
	for _, it := range o.Items {
		t.Orders = append(t.Orders, tradeLine{OID: it.ItemID, NumIID: it.ListingID, OuterIID: it.Marker, Num: it.Quantity,
			Price: formatMajor(it.UnitPriceMinor, it.Currency), Currency: it.Currency})
	}
	for _, s := range o.Shipments {
		t.Logistics = append(t.Logistics, tradeShipment{OutSID: s.Waybill, CompanyCode: s.CarrierCode, SubTIDs: s.ItemIDs,
			ConsignTime: formatTime(s.At)})
	}
	return t
}

// tradesSoldIncrementGet answers a page of the trades modified in
// [start_modified, end_modified), oldest first. Like TOP with
// use_has_next=true it answers has_next and no total: counting would cost
// the platform a second search.
func tradesSoldIncrementGet(s *server, params url.Values) (any, *apiError) {
	from, to, e := window(params, "start_modified", "end_modified")
	if e != nil {
		return nil, e
	}
	offset, limit, e := paging(params)
	if e != nil {
		return nil, e
	}
	orders, more := s.market.ListOrders(from, to, offset, limit)
	trades := make([]trade, 0, len(orders))
	for _, o := range orders {
		trades = append(trades, tradeOf(o))
	}
	return map[string]any{"has_next": more, "trades": trades}, nil
}

// tradeGet answers one trade.
func tradeGet(s *server, params url.Values) (any, *apiError) {
	tid, e := required(params, "tid")
	if e != nil {
		return nil, e
	}
	o, ok := s.market.Order(tid)
	if !ok {
		return nil, platformError(codeRemote, "trade "+tid+" does not exist", subTradeNotExist)
	}
	return map[string]trade{"trade": tradeOf(o)}, nil
}
