// Package supplyapi is app.SupplyClient over a supply platform's JSON API
// (simulators/README.md, supply-sim): bearer API keys per account, a
// catalogue paged by update time, stock levels, and purchase orders
// idempotent on our reference. It shares no code with the simulator, so
// their tests compare two readings of the protocol.
package supplyapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/httpjson"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/partnertls"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// pageSize is how many products or levels one page asks for.
const pageSize = 100

// Client calls supply platforms. It holds no platform: every call takes
// the platform as registered, so an edited endpoint or a rotated key is
// used at once.
type Client struct {
	http    *partnertls.HTTPClient
	timeout time.Duration
}

var _ app.SupplyClient = (*Client)(nil)

// New returns a client calling platforms over transport, the partners'
// (DOCKING_PARTNER_PLAINTEXT, DOCKING_PARTNER_CA_FILE): https endpoints
// verified against the transport's roots, http ones only where it allows
// plaintext, redirects held to the same rule, so an API key never crosses
// the network in the clear. timeout bounds each call.
func New(transport partnertls.Transport, timeout time.Duration) *Client {
	return &Client{http: transport.HTTPClient(), timeout: timeout}
}

// do makes one call as account and decodes a 2xx answer into out.
func (c *Client) do(ctx context.Context, p domain.SupplyPlatform, account domain.SupplyAccount, method, path string, body, out any) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := httpjson.NewRequest(ctx, method, strings.TrimRight(p.Endpoint, "/")+path, account.APIKey, "", body)
	if err != nil {
		return err
	}
	res, err := c.http.Do(req, p.Endpoint)
	if errors.Is(err, partnertls.ErrPlaintext) {
		return err
	}
	if err != nil {
		return apperr.Unavailable(fmt.Sprintf("supply platform %s unreachable: %v", p.Code, err)).WithReason("SUPPLY_PLATFORM_UNREACHABLE")
	}
	raw, err := httpjson.ReadBody(res, 8<<20)
	if err != nil {
		return apperr.Unavailable(fmt.Sprintf("supply platform %s: reading the answer: %v", p.Code, err))
	}
	switch {
	case res.StatusCode == http.StatusTooManyRequests:
		return &app.RateLimited{After: httpjson.RetryAfter(res)}
	case res.StatusCode >= 500:
		return apperr.Unavailable(fmt.Sprintf("supply platform %s answered %d", p.Code, res.StatusCode)).WithReason("SUPPLY_PLATFORM_FAILED")
	case res.StatusCode >= 300:
		e := httpjson.ParseError(raw)
		msg := fmt.Sprintf("supply platform %s refused %s %s: %d %s/%s: %s", p.Code, method, path, res.StatusCode, e.Type, e.Code, e.Message)
		if res.StatusCode == http.StatusNotFound {
			return apperr.NotFound("supply platform object", path).WithReason("SUPPLY_NOT_FOUND")
		}
		return apperr.FailedPrecondition(msg).WithReason("SUPPLY_PLATFORM_REFUSED")
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return apperr.Unavailable(fmt.Sprintf("supply platform %s answered what is not the protocol's JSON: %v", p.Code, err))
	}
	return nil
}

type wireSKU struct {
	SKU     string `json:"sku"`
	Price   string `json:"price"`
	WeightG int64  `json:"weight_g"`
	Package struct {
		Length int64 `json:"length"`
		Width  int64 `json:"width"`
		Height int64 `json:"height"`
	} `json:"package_mm"`
	Stock int64             `json:"stock"`
	Specs map[string]string `json:"specs"`
}

type wireProduct struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Images      []string  `json:"images"`
	Currency    string    `json:"currency"`
	SKUs        []wireSKU `json:"skus"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Products reads a page of the catalogue with the default account.
func (c *Client) Products(ctx context.Context, p domain.SupplyPlatform, since time.Time, cursor string) (app.SupplyProductPage, error) {
	q := url.Values{"limit": {strconv.Itoa(pageSize)}}
	if !since.IsZero() {
		q.Set("updated_since", since.UTC().Format(time.RFC3339Nano))
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	var out struct {
		Products []wireProduct `json:"products"`
		Next     string        `json:"next_cursor"`
	}
	if err := c.do(ctx, p, p.Default, http.MethodGet, "/v1/products?"+q.Encode(), nil, &out); err != nil {
		return app.SupplyProductPage{}, err
	}
	page := app.SupplyProductPage{Next: out.Next}
	for _, w := range out.Products {
		sp := domain.SupplyProduct{ID: w.ID, Title: w.Title, Description: w.Description, Images: w.Images, Currency: w.Currency, UpdatedAt: w.UpdatedAt}
		for _, s := range w.SKUs {
			sp.SKUs = append(sp.SKUs, domain.SupplySKU{Code: s.SKU, Price: s.Price, WeightG: s.WeightG, Stock: s.Stock, Specs: s.Specs,
				PackageMM: [3]int64{s.Package.Length, s.Package.Width, s.Package.Height}})
		}
		page.Products = append(page.Products, sp)
	}
	return page, nil
}

// Stock reads a page of stock levels with the default account.
func (c *Client) Stock(ctx context.Context, p domain.SupplyPlatform, cursor string) (map[string]int64, string, error) {
	q := url.Values{"limit": {strconv.Itoa(pageSize)}}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	var out struct {
		Levels []struct {
			SKU   string `json:"sku"`
			Stock int64  `json:"stock"`
		} `json:"levels"`
		Next string `json:"next_cursor"`
	}
	if err := c.do(ctx, p, p.Default, http.MethodGet, "/v1/stock?"+q.Encode(), nil, &out); err != nil {
		return nil, "", err
	}
	levels := make(map[string]int64, len(out.Levels))
	for _, l := range out.Levels {
		levels[l.SKU] = l.Stock
	}
	return levels, out.Next, nil
}

type wireOrder struct {
	ID          string `json:"id"`
	Reference   string `json:"reference"`
	AccountID   string `json:"account_id"`
	Status      string `json:"status"`
	CarrierCode string `json:"carrier_code"`
	Waybill     string `json:"waybill"`
}

func (w wireOrder) app() app.PurchaseOrder {
	return app.PurchaseOrder{ID: w.ID, AccountID: w.AccountID, Status: w.Status, CarrierCode: w.CarrierCode, Waybill: w.Waybill}
}

// PlaceOrder places a purchase order under account; ref is the platform's
// idempotency key, so a repeat answers the first order.
func (c *Client) PlaceOrder(ctx context.Context, p domain.SupplyPlatform, account domain.SupplyAccount, ref string, lines []domain.PurchaseLine) (app.PurchaseOrder, error) {
	type line struct {
		SKU      string `json:"sku"`
		Quantity int64  `json:"quantity"`
	}
	body := struct {
		Reference string `json:"reference"`
		Lines     []line `json:"lines"`
	}{Reference: ref}
	for _, l := range lines {
		body.Lines = append(body.Lines, line{SKU: l.SKUCode, Quantity: l.Quantity})
	}
	var out wireOrder
	if err := c.do(ctx, p, account, http.MethodPost, "/v1/purchase-orders", body, &out); err != nil {
		return app.PurchaseOrder{}, err
	}
	if out.ID == "" || out.Reference != ref {
		return app.PurchaseOrder{}, errors.New("supply platform " + p.Code + " answered a purchase order without its id or for another reference")
	}
	return out.app(), nil
}

// CancelOrder cancels a purchase order placed under account before it
// ships.
func (c *Client) CancelOrder(ctx context.Context, p domain.SupplyPlatform, account domain.SupplyAccount, id string) (app.PurchaseOrder, error) {
	var out wireOrder
	if err := c.do(ctx, p, account, http.MethodPost, "/v1/purchase-orders/"+url.PathEscape(id)+"/cancel", nil, &out); err != nil {
		return app.PurchaseOrder{}, err
	}
	return out.app(), nil
}

// GetOrder reads a purchase order placed under account.
func (c *Client) GetOrder(ctx context.Context, p domain.SupplyPlatform, account domain.SupplyAccount, id string) (app.PurchaseOrder, error) {
	var out wireOrder
	if err := c.do(ctx, p, account, http.MethodGet, "/v1/purchase-orders/"+url.PathEscape(id), nil, &out); err != nil {
		return app.PurchaseOrder{}, err
	}
	return out.app(), nil
}
