package partnersim

import (
	"errors"
	"net/http"
	"time"

	"github.com/crossdock/crossdock/simulators/jsonapi"
)

// AdminHandler is the marketplace's back office over HTTP, for tests and
// the demo: place and pay buyers' orders, and look at orders, listings and
// settlements as the marketplace holds them (without lag or faults). It
// needs no key: it listens on loopback next to the partner's API.
//
//	POST /admin/orders              {buyer, address, items: [{marker, quantity, price_minor}], paid} → order
//	                                (price_minor: a promotional unit price; the listing's when absent)
//	GET  /admin/orders              every order
//	GET  /admin/orders/{id}         one order
//	POST /admin/orders/{id}/pay     pays an order awaiting payment
//	POST /admin/orders/{id}/cancel  cancels an order not shipped
//	POST /admin/orders/{id}/complete closes a shipped order as delivered (status 40)
//	GET  /admin/listings            every listing
//	GET  /admin/settlements         every settlement line, booked or scheduled
//	POST /admin/payouts             pays out the lines booked and not paid out yet → the payouts made
//	GET  /admin/payouts             every payout made, and what is left unpaid by currency
//	GET  /admin/faults              the call faults in force
//	PUT  /admin/faults              {rate_limit, retry_after_ms, server_error} → the call faults now
//	GET  /healthz                   "ok"
func AdminHandler(m *Market) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", jsonapi.Healthz)
	mux.HandleFunc("POST /admin/orders", func(w http.ResponseWriter, r *http.Request) {
		var req placeOrderJSON
		if !jsonapi.DecodeRequest(w, r, &req) {
			return
		}
		items := make([]ItemInput, 0, len(req.Items))
		for _, it := range req.Items {
			items = append(items, ItemInput{Marker: it.Marker, Quantity: it.Quantity, PriceMinor: it.PriceMinor})
		}
		o, err := m.PlaceOrder(req.Buyer, req.Address.address(), items, req.Paid)
		answerOrder(w, http.StatusCreated, o, err)
	})
	mux.HandleFunc("GET /admin/orders", func(w http.ResponseWriter, _ *http.Request) {
		orders := []orderJSON{}
		for _, o := range m.Orders() {
			orders = append(orders, orderOf(o))
		}
		jsonapi.WriteJSON(w, http.StatusOK, map[string]any{"orders": orders})
	})
	mux.HandleFunc("GET /admin/orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		o, ok := m.BackOfficeOrder(r.PathValue("id"))
		if !ok {
			jsonapi.WriteError(w, jsonapi.NotFound("no order "+r.PathValue("id")))
			return
		}
		jsonapi.WriteJSON(w, http.StatusOK, orderOf(o))
	})
	mux.HandleFunc("POST /admin/orders/{id}/pay", func(w http.ResponseWriter, r *http.Request) {
		o, err := m.Pay(r.PathValue("id"))
		answerOrder(w, http.StatusOK, o, err)
	})
	mux.HandleFunc("POST /admin/orders/{id}/cancel", func(w http.ResponseWriter, r *http.Request) {
		o, err := m.Cancel(r.PathValue("id"))
		answerOrder(w, http.StatusOK, o, err)
	})
	mux.HandleFunc("POST /admin/orders/{id}/complete", func(w http.ResponseWriter, r *http.Request) {
		o, err := m.Complete(r.PathValue("id"))
		answerOrder(w, http.StatusOK, o, err)
	})
	mux.HandleFunc("GET /admin/listings", func(w http.ResponseWriter, _ *http.Request) {
		listings := []listingJSON{}
		for _, l := range m.Listings(nil) {
			listings = append(listings, listingOf(l))
		}
		jsonapi.WriteJSON(w, http.StatusOK, map[string]any{"listings": listings})
	})
	mux.HandleFunc("GET /admin/settlements", func(w http.ResponseWriter, _ *http.Request) {
		lines := []settlementJSON{}
		for _, l := range m.AllSettlements() {
			lines = append(lines, settlementJSON(l))
		}
		jsonapi.WriteJSON(w, http.StatusOK, map[string]any{"settlements": lines})
	})
	mux.HandleFunc("POST /admin/payouts", func(w http.ResponseWriter, _ *http.Request) {
		jsonapi.WriteJSON(w, http.StatusOK, map[string]any{"payouts": payoutsJSON(m.PayOut())})
	})
	mux.HandleFunc("GET /admin/payouts", func(w http.ResponseWriter, _ *http.Request) {
		jsonapi.WriteJSON(w, http.StatusOK, map[string]any{"payouts": payoutsJSON(m.AllPayouts()), "unpaid_minor": m.Unpaid()})
	})
	mux.HandleFunc("GET /admin/faults", func(w http.ResponseWriter, _ *http.Request) {
		jsonapi.WriteJSON(w, http.StatusOK, callFaultsOf(m.CallFaultsNow()))
	})
	mux.HandleFunc("PUT /admin/faults", func(w http.ResponseWriter, r *http.Request) {
		var req callFaultsJSON
		if !jsonapi.DecodeRequest(w, r, &req) {
			return
		}
		f := CallFaults{RateLimit: req.RateLimit, RetryAfter: time.Duration(req.RetryAfterMS) * time.Millisecond, ServerError: req.ServerError}
		if err := m.SetCallFaults(f); err != nil {
			jsonapi.WriteError(w, jsonapi.Invalid("", err.Error()))
			return
		}
		jsonapi.WriteJSON(w, http.StatusOK, callFaultsOf(m.CallFaultsNow()))
	})
	mux.HandleFunc("/", jsonapi.NoRoute)
	return mux
}

// callFaultsJSON is the call faults in force, as the back office shows and
// takes them.
type callFaultsJSON struct {
	RateLimit    float64 `json:"rate_limit"`
	RetryAfterMS int64   `json:"retry_after_ms"`
	ServerError  float64 `json:"server_error"`
}

func callFaultsOf(f CallFaults) callFaultsJSON {
	return callFaultsJSON{RateLimit: f.RateLimit, RetryAfterMS: f.RetryAfter.Milliseconds(), ServerError: f.ServerError}
}

// answerOrder writes an order, or the marketplace's error as the HTTP
// status that says the same.
func answerOrder(w http.ResponseWriter, okStatus int, o Order, err error) {
	switch {
	case err == nil:
		jsonapi.WriteJSON(w, okStatus, orderOf(o))
	case errors.Is(err, ErrNotFound):
		jsonapi.WriteError(w, jsonapi.NotFound(err.Error()))
	case errors.Is(err, ErrConflict):
		jsonapi.WriteError(w, &jsonapi.Error{Status: http.StatusConflict, Type: "invalid_request_error", Code: "state_conflict", Message: err.Error()})
	default:
		jsonapi.WriteError(w, jsonapi.Invalid("", err.Error()))
	}
}

// The admin API's JSON, snake_case.

type addressJSON struct {
	Recipient   string   `json:"recipient"`
	Phone       string   `json:"phone"`
	CountryCode string   `json:"country_code"`
	RegionCode  string   `json:"region_code"`
	City        string   `json:"city"`
	Postcode    string   `json:"postcode"`
	Lines       []string `json:"lines"`
}

func (a addressJSON) address() Address { return Address(a) }

type placeOrderJSON struct {
	Buyer   string      `json:"buyer"`
	Address addressJSON `json:"address"`
	Items   []struct {
		Marker     string `json:"marker"`
		Quantity   int32  `json:"quantity"`
		PriceMinor int64  `json:"price_minor"`
	} `json:"items"`
	Paid bool `json:"paid"`
}

type itemJSON struct {
	ItemID         string `json:"item_id"`
	ListingID      string `json:"listing_id"`
	Marker         string `json:"marker"`
	Currency       string `json:"currency"`
	Quantity       int32  `json:"quantity"`
	UnitPriceMinor int64  `json:"unit_price_minor"`
}

type shipmentJSON struct {
	Waybill     string    `json:"waybill"`
	CarrierCode string    `json:"carrier_code"`
	ItemIDs     []string  `json:"item_ids"`
	At          time.Time `json:"at"`
}

type orderJSON struct {
	OrderID    string         `json:"order_id"`
	BuyerRef   string         `json:"buyer_ref"`
	Status     OrderStatus    `json:"status"`
	Address    addressJSON    `json:"address"`
	Items      []itemJSON     `json:"items"`
	Currency   string         `json:"currency"`
	TotalMinor int64          `json:"total_minor"`
	PlacedAt   time.Time      `json:"placed_at"`
	PaidAt     *time.Time     `json:"paid_at,omitempty"`
	UpdatedAt  time.Time      `json:"updated_at"`
	Shipments  []shipmentJSON `json:"shipments"`
}

func orderOf(o Order) orderJSON {
	j := orderJSON{OrderID: o.OrderID, BuyerRef: o.BuyerRef, Status: o.Status, Address: addressJSON(o.Address),
		Items: []itemJSON{}, Currency: o.Currency, TotalMinor: o.TotalMinor, PlacedAt: o.PlacedAt, PaidAt: o.PaidAt,
		UpdatedAt: o.UpdatedAt, Shipments: []shipmentJSON{}}
	for _, it := range o.Items {
		j.Items = append(j.Items, itemJSON(it))
	}
	for _, s := range o.Shipments {
		j.Shipments = append(j.Shipments, shipmentJSON(s))
	}
	return j
}

type listingJSON struct {
	Marker      string            `json:"marker"`
	ListingID   string            `json:"listing_id"`
	Status      string            `json:"status"`
	Reasons     []string          `json:"reasons"`
	ProductID   string            `json:"product_id"`
	SKUID       string            `json:"sku_id"`
	SKUCode     string            `json:"sku_code"`
	SupplierID  string            `json:"supplier_id"`
	Locale      string            `json:"locale"`
	Title       string            `json:"title"`
	Description string            `json:"description"`
	Images      []string          `json:"images"`
	Attributes  map[string]string `json:"attributes"`
	Currency    string            `json:"currency"`
	PriceMinor  int64             `json:"price_minor"`
	Stock       int64             `json:"stock"`
	WeightG     int64             `json:"weight_g"`
	UpdatedAt   time.Time         `json:"updated_at"`
	Upserts     int               `json:"upserts"`
}

func listingOf(l ListingView) listingJSON {
	return listingJSON{Marker: l.Marker, ListingID: l.ListingID, Status: l.Status, Reasons: l.Reasons,
		ProductID: l.ProductID, SKUID: l.SKUID, SKUCode: l.SKUCode, SupplierID: l.SupplierID, Locale: l.Locale,
		Title: l.Title, Description: l.Description, Images: l.Images, Attributes: l.Attributes,
		Currency: l.Currency, PriceMinor: l.PriceMinor, Stock: l.Stock, WeightG: l.WeightG,
		UpdatedAt: l.UpdatedAt, Upserts: l.Upserts}
}

type settlementJSON struct {
	LineID     string    `json:"line_id"`
	OrderID    string    `json:"order_id"`
	Currency   string    `json:"currency"`
	GrossMinor int64     `json:"gross_minor"`
	FeesMinor  int64     `json:"fees_minor"`
	SettledAt  time.Time `json:"settled_at"`
}

type payoutJSON struct {
	PayoutID    string    `json:"payout_id"`
	Currency    string    `json:"currency"`
	AmountMinor int64     `json:"amount_minor"`
	PaidAt      time.Time `json:"paid_at"`
}

func payoutsJSON(payouts []Payout) []payoutJSON {
	out := make([]payoutJSON, 0, len(payouts))
	for _, p := range payouts {
		out = append(out, payoutJSON(p))
	}
	return out
}
