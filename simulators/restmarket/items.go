package restmarket

import (
	"bytes"
	"encoding/json"
	"net/url"

	"github.com/crossdock/crossdock/simulators/partnersim"
)

// maxStatusBatch is how many outer ids items.status.get takes at once.
const maxStatusBatch = 100

// itemParam is the item parameter of item.upsert: a listing keyed by
// outer_id (the seller's own id; Crossdock's marker), price in major units.
type itemParam struct {
	OuterID    string            `json:"outer_id"`
	ProductID  string            `json:"product_id"`
	SKUID      string            `json:"sku_id"`
	SKUCode    string            `json:"sku_code"`
	SupplierID string            `json:"supplier_id"`
	Locale     string            `json:"locale"`
	Title      string            `json:"title"`
	Desc       string            `json:"desc"`
	Images     []string          `json:"images"`
	Props      map[string]string `json:"props"`
	Price      string            `json:"price"`
	Currency   string            `json:"currency"`
	Quantity   int64             `json:"quantity"`
	WeightG    int64             `json:"weight_g"`
}

// itemState is a listing as the item methods answer it.
type itemState struct {
	OuterID       string   `json:"outer_id"`
	NumIID        string   `json:"num_iid,omitempty"`
	ApproveStatus int      `json:"approve_status"`
	RejectReasons []string `json:"reject_reasons,omitempty"`
	Modified      string   `json:"modified,omitempty"`
}

// The approve_status numbers of the market's listing statuses.
var approveStatus = map[string]int{
	partnersim.ListingPending:   0,
	partnersim.ListingLive:      1,
	partnersim.ListingRejected:  2,
	partnersim.ListingWithdrawn: 3,
}

func state(v partnersim.ListingView) itemState {
	st := itemState{OuterID: v.Marker, NumIID: v.ListingID, ApproveStatus: approveStatus[v.Status], RejectReasons: v.Reasons}
	if !v.UpdatedAt.IsZero() {
		st.Modified = formatTime(v.UpdatedAt)
	}
	return st
}

// itemUpsert creates or replaces the listing with the item's outer_id.
func itemUpsert(s *server, params url.Values) (any, *apiError) {
	raw, e := required(params, "item")
	if e != nil {
		return nil, e
	}
	var it itemParam
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&it); err != nil {
		return nil, invalid("item", "is not the item JSON: "+err.Error())
	}
	price, err := parseMajor(it.Price, it.Currency)
	if err != nil {
		return nil, invalid("item.price", err.Error())
	}
	v, err := s.market.UpsertListing(partnersim.ListingInput{Marker: it.OuterID, ProductID: it.ProductID, SKUID: it.SKUID,
		SKUCode: it.SKUCode, SupplierID: it.SupplierID, Locale: it.Locale, Title: it.Title, Description: it.Desc,
		Images: it.Images, Attributes: it.Props, Currency: it.Currency, PriceMinor: price, Stock: it.Quantity,
		WeightG: it.WeightG})
	if err != nil {
		return nil, businessError(err, "isv.item-not-exist")
	}
	return map[string]itemState{"item": state(v)}, nil
}

// itemDelete takes the listing off sale (instock). An unknown outer_id is
// answered instock too: it is not on sale, which is what was asked.
func itemDelete(s *server, params url.Values) (any, *apiError) {
	marker, e := required(params, "outer_id")
	if e != nil {
		return nil, e
	}
	v := s.market.WithdrawListing(marker)
	if v.ListingID == "" {
		return map[string]itemState{"item": {OuterID: marker, ApproveStatus: approveStatus[partnersim.ListingWithdrawn]}}, nil
	}
	return map[string]itemState{"item": state(v)}, nil
}

// itemsStatusGet answers the listings with these outer ids; unknown ones
// are left out.
func itemsStatusGet(s *server, params url.Values) (any, *apiError) {
	markers, e := list(params, "outer_ids", maxStatusBatch)
	if e != nil {
		return nil, e
	}
	if markers == nil {
		return nil, missing("outer_ids")
	}
	items := []itemState{}
	for _, v := range s.market.Listings(markers) {
		items = append(items, state(v))
	}
	return map[string]any{"items": items}, nil
}
