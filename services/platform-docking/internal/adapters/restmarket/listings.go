package restmarket

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// maxStatusBatch is how many outer ids items.status.get takes at once.
const maxStatusBatch = 100

// wireItem is a listing as item.upsert takes it.
type wireItem struct {
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

// itemState is a listing's state as the partner answers it.
type itemState struct {
	OuterID       string   `json:"outer_id"`
	NumIID        string   `json:"num_iid"`
	ApproveStatus int      `json:"approve_status"`
	RejectReasons []string `json:"reject_reasons"`
	Modified      string   `json:"modified"`
}

type itemAnswer struct {
	Item itemState `json:"item"`
}

// The partner's approve_status values.
var approveStatuses = map[int]domain.ListingStatus{
	0: domain.ListingPending,
	1: domain.ListingLive,
	2: domain.ListingRejected,
	3: domain.ListingWithdrawn,
}

// UpsertListing sends the listing with item.upsert; the partner keys it by
// outer_id, our marker, so a repeated push replaces rather than duplicates.
func (c *Client) UpsertListing(ctx context.Context, p domain.Partner, l domain.Listing) (domain.ListingState, error) {
	price, err := formatMajor(l.Price)
	if err != nil {
		return domain.ListingState{}, apperr.InvalidField("price", err.Error())
	}
	item, err := json.Marshal(wireItem{OuterID: l.Marker, ProductID: l.ProductID, SKUID: l.SKUID, SKUCode: l.SKUCode,
		SupplierID: l.SupplierID, Locale: l.Locale, Title: l.Title, Desc: l.Description, Images: l.Images,
		Props: l.Attributes, Price: price, Currency: l.Price.Currency, Quantity: l.Stock, WeightG: l.WeightG})
	if err != nil {
		return domain.ListingState{}, err
	}
	var a itemAnswer
	if err := c.call(ctx, p, "item.upsert", url.Values{"item": {string(item)}}, &a); err != nil {
		return domain.ListingState{}, err
	}
	return listingState("item.upsert", a.Item)
}

// WithdrawListing takes the listing off sale with item.delete.
func (c *Client) WithdrawListing(ctx context.Context, p domain.Partner, marker string) (domain.ListingState, error) {
	var a itemAnswer
	if err := c.call(ctx, p, "item.delete", url.Values{"outer_id": {marker}}, &a); err != nil {
		return domain.ListingState{}, err
	}
	if a.Item.OuterID == "" {
		a.Item.OuterID = marker
	}
	return listingState("item.delete", a.Item)
}

// ListingStates reads the states with items.status.get.
func (c *Client) ListingStates(ctx context.Context, p domain.Partner, markers []string) ([]domain.ListingState, error) {
	if len(markers) == 0 {
		return nil, nil
	}
	if len(markers) > maxStatusBatch {
		return nil, apperr.InvalidField("markers", "at most "+strconv.Itoa(maxStatusBatch)+" at once")
	}
	for _, m := range markers {
		if m == "" || strings.Contains(m, ",") {
			return nil, apperr.InvalidField("markers", "a marker is empty or holds a comma: "+strconv.Quote(m))
		}
	}
	var a struct {
		Items []itemState `json:"items"`
	}
	if err := c.call(ctx, p, "items.status.get", url.Values{"outer_ids": {strings.Join(markers, ",")}}, &a); err != nil {
		return nil, err
	}
	return domain.ReadableStates(a.Items, func(it itemState) (domain.ListingState, error) {
		return listingState("items.status.get", it)
	})
}

// listingState maps the partner's item state; an approve_status the
// protocol does not define is an error rather than a guess.
func listingState(method string, it itemState) (domain.ListingState, error) {
	status, ok := approveStatuses[it.ApproveStatus]
	if !ok {
		return domain.ListingState{}, badAnswer(method, fmt.Errorf("approve_status %d", it.ApproveStatus))
	}
	var updated time.Time
	if it.Modified != "" {
		// A time out of shape is no time: the verdict itself is what
		// counts, as the standard protocol's connector takes it.
		if t, err := parseTime(it.Modified); err == nil {
			updated = t
		}
	}
	return domain.CleanListingState(domain.ListingState{Marker: it.OuterID, PartnerListingID: it.NumIID, Status: status,
		Reasons: it.RejectReasons, UpdatedAt: updated}), nil
}
