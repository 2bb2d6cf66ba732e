package supplysim

import (
	"crypto/subtle"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/crossdock/crossdock/simulators/jsonapi"
)

// maxPage bounds a catalogue or stock page.
const maxPage = 100

// API returns the platform's API: every route needs an account's API key
// as "Authorization: Bearer <key>", except GET /healthz.
//
//	GET  /v1/products?updated_since=<RFC 3339>&cursor=&limit=  products, oldest update first
//	GET  /v1/stock?cursor=&limit=                              every SKU's stock, by code
//	POST /v1/purchase-orders  {"reference", "lines": [{"sku", "quantity"}]}
//	GET  /v1/purchase-orders/{id}
func (p *Platform) API() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", jsonapi.Healthz)
	mux.Handle("GET /v1/products", p.call(p.listProducts))
	mux.Handle("GET /v1/stock", p.call(p.listStock))
	mux.Handle("POST /v1/purchase-orders", p.call(p.placeOrder))
	mux.Handle("GET /v1/purchase-orders/{id}", p.call(p.getOrder))
	mux.Handle("POST /v1/purchase-orders/{id}/cancel", p.call(p.cancelOrder))
	mux.HandleFunc("/", jsonapi.NoRoute)
	return mux
}

// handler answers one call for the account that made it, under the lock.
type handler func(r *http.Request, account string, body []byte) jsonapi.Response

// call runs the faults, the key check and the handler; a lost answer does
// the work and answers 503 anyway.
func (p *Platform) call(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		f := p.cfg.Faults
		limited, broken, lost := p.chance(f.RateLimit), p.chance(f.ServerError), p.chance(f.LostAnswer)
		p.mu.Unlock()
		switch {
		case limited:
			w.Header().Set("Retry-After", strconv.FormatInt(int64(max((f.RetryAfter+time.Second-1)/time.Second, 1)), 10))
			jsonapi.WriteError(w, &jsonapi.Error{Status: http.StatusTooManyRequests, Type: "rate_limit_error", Code: "rate_limited",
				Message: "too many calls: retry after the time in Retry-After"})
			return
		case broken:
			jsonapi.WriteError(w, unavailable())
			return
		}
		token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		p.mu.Lock()
		account, ok := p.accountFor(token)
		p.mu.Unlock()
		if !ok {
			jsonapi.WriteError(w, &jsonapi.Error{Status: http.StatusUnauthorized, Type: "authentication_error", Code: "invalid_api_key",
				Message: "an account's API key is required: Authorization: Bearer <key>"})
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, jsonapi.MaxBody))
		if err != nil {
			jsonapi.WriteError(w, jsonapi.Invalid("", "the request body could not be read"))
			return
		}
		res := p.locked(func() jsonapi.Response { return h(r, account, body) })
		if lost {
			jsonapi.WriteError(w, unavailable())
			return
		}
		jsonapi.WriteJSON(w, res.Status, res.Body)
	})
}

// locked runs f under the platform's lock, released even when f panics (a
// handler's bug must fail its call, not every later one).
func (p *Platform) locked(f func() jsonapi.Response) jsonapi.Response {
	p.mu.Lock()
	defer p.mu.Unlock()
	return f()
}

func unavailable() *jsonapi.Error {
	return &jsonapi.Error{Status: http.StatusServiceUnavailable, Type: "api_error", Code: "supply_unavailable",
		Message: "the platform failed this call on purpose"}
}

func (p *Platform) chance(share float64) bool { return share > 0 && p.rnd.Float64() < share }

func (p *Platform) accountFor(token string) (string, bool) {
	for id, k := range p.cfg.Accounts {
		if k != "" && subtle.ConstantTimeCompare([]byte(k), []byte(token)) == 1 {
			return id, true
		}
	}
	return "", false
}

func pageSize(r *http.Request) (int, *jsonapi.Error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return 50, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxPage {
		return 0, jsonapi.Invalid("limit", "must be 1 to 100")
	}
	return n, nil
}

func (p *Platform) listProducts(r *http.Request, _ string, _ []byte) jsonapi.Response {
	q := r.URL.Query()
	var since time.Time
	if s := q.Get("updated_since"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return jsonapi.Invalid("updated_since", "must be an RFC 3339 time").Response()
		}
		since = t
	}
	after, ok := parseCursor(q.Get("cursor"))
	if !ok {
		return jsonapi.Invalid("cursor", "is not a cursor this API gave").Response()
	}
	limit, e := pageSize(r)
	if e != nil {
		return e.Response()
	}
	products, more := p.productsSince(since, after, limit)
	next := ""
	if more {
		last := products[len(products)-1]
		next = cursor{at: last.UpdatedAt, id: last.ID}.String()
	}
	return jsonapi.Response{Status: http.StatusOK, Body: map[string]any{"products": products, "next_cursor": next}}
}

// stockLevel is one SKU's stock.
type stockLevel struct {
	SKU   string `json:"sku"`
	Stock int64  `json:"stock"`
}

func (p *Platform) listStock(r *http.Request, _ string, _ []byte) jsonapi.Response {
	limit, e := pageSize(r)
	if e != nil {
		return e.Response()
	}
	after := r.URL.Query().Get("cursor")
	codes := make([]string, 0, len(p.sku))
	for code := range p.sku {
		if code > after {
			codes = append(codes, code)
		}
	}
	sortStrings(codes)
	next := ""
	if len(codes) > limit {
		codes, next = codes[:limit], codes[limit-1]
	}
	levels := make([]stockLevel, len(codes))
	for i, c := range codes {
		levels[i] = stockLevel{SKU: c, Stock: p.skuRef(c).Stock}
	}
	return jsonapi.Response{Status: http.StatusOK, Body: map[string]any{"levels": levels, "next_cursor": next}}
}

// placeRequest is a purchase order's body.
type placeRequest struct {
	Reference string `json:"reference"`
	Lines     []Line `json:"lines"`
}

func (p *Platform) placeOrder(_ *http.Request, account string, body []byte) jsonapi.Response {
	var in placeRequest
	if e := jsonapi.Decode(body, &in); e != nil {
		return e.Response()
	}
	if in.Reference == "" || len(in.Reference) > 64 {
		return jsonapi.Invalid("reference", "is required, at most 64 characters").Response()
	}
	o, created, err := p.place(account, in.Reference, in.Lines)
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	switch {
	case errors.Is(err, ErrUnknownSKU), errors.Is(err, ErrBadLines):
		return jsonapi.Invalid("lines", err.Error()).Response()
	case errors.Is(err, ErrOutOfStock):
		return (&jsonapi.Error{Status: http.StatusConflict, Type: "order_error", Code: "out_of_stock", Message: err.Error()}).Response()
	case errors.Is(err, ErrReferenceReused), errors.Is(err, ErrReferenceAccount):
		return (&jsonapi.Error{Status: http.StatusConflict, Type: "idempotency_error", Code: "reference_in_use", Param: "reference", Message: err.Error()}).Response()
	case err != nil:
		return (&jsonapi.Error{Status: http.StatusInternalServerError, Type: "api_error", Message: err.Error()}).Response()
	}
	return jsonapi.Response{Status: status, Body: o}
}

func (p *Platform) getOrder(r *http.Request, account string, _ []byte) jsonapi.Response {
	o, ok := p.orders[r.PathValue("id")]
	if !ok || o.AccountID != account {
		return jsonapi.NotFound("no such purchase order for this account").Response()
	}
	return jsonapi.Response{Status: http.StatusOK, Body: p.view(o)}
}

func (p *Platform) cancelOrder(r *http.Request, account string, _ []byte) jsonapi.Response {
	o, err := p.cancel(account, r.PathValue("id"))
	switch {
	case errors.Is(err, ErrNoOrder):
		return jsonapi.NotFound("no such purchase order for this account").Response()
	case errors.Is(err, ErrShipped):
		return (&jsonapi.Error{Status: http.StatusConflict, Type: "order_error", Code: "order_shipped", Message: err.Error()}).Response()
	}
	return jsonapi.Response{Status: http.StatusOK, Body: o}
}
