package supplysim

import (
	"errors"
	"net/http"
	"sort"

	"github.com/crossdock/crossdock/simulators/jsonapi"
)

// Admin returns the back office, for tests and demos, without keys or
// faults:
//
//	PUT  /admin/products           a product (created or replaced, update time now)
//	POST /admin/stock              {"sku", "stock"}
//	GET  /admin/orders             every purchase order with the account that placed it
//	GET  /admin/orders/{id}
//	POST /admin/orders/{id}/ship   ships it now (idempotent)
//	POST /admin/orders/{id}/cancel cancels it before it ships, as the platform's staff do
func (p *Platform) Admin() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", jsonapi.Healthz)
	mux.HandleFunc("PUT /admin/products", func(w http.ResponseWriter, r *http.Request) {
		var in Product
		if !jsonapi.DecodeRequest(w, r, &in) {
			return
		}
		out, err := p.PutProduct(in)
		if err != nil {
			jsonapi.WriteError(w, jsonapi.Invalid("", err.Error()))
			return
		}
		jsonapi.WriteJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("POST /admin/stock", func(w http.ResponseWriter, r *http.Request) {
		var in stockLevel
		if !jsonapi.DecodeRequest(w, r, &in) {
			return
		}
		if err := p.SetStock(in.SKU, in.Stock); err != nil {
			jsonapi.WriteError(w, jsonapi.NotFound(err.Error()))
			return
		}
		jsonapi.WriteJSON(w, http.StatusOK, in)
	})
	mux.HandleFunc("GET /admin/orders", func(w http.ResponseWriter, _ *http.Request) {
		jsonapi.WriteJSON(w, http.StatusOK, map[string]any{"orders": p.Orders()})
	})
	mux.HandleFunc("GET /admin/orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		o, ok := p.orders[r.PathValue("id")]
		var v Order
		if ok {
			v = p.view(o)
		}
		p.mu.Unlock()
		if !ok {
			jsonapi.WriteError(w, jsonapi.NotFound(ErrNoOrder.Error()))
			return
		}
		jsonapi.WriteJSON(w, http.StatusOK, v)
	})
	mux.HandleFunc("POST /admin/orders/{id}/ship", func(w http.ResponseWriter, r *http.Request) {
		o, err := p.Ship(r.PathValue("id"))
		if errors.Is(err, ErrNoOrder) {
			jsonapi.WriteError(w, jsonapi.NotFound(err.Error()))
			return
		}
		jsonapi.WriteJSON(w, http.StatusOK, o)
	})
	mux.HandleFunc("POST /admin/orders/{id}/cancel", func(w http.ResponseWriter, r *http.Request) {
		o, err := p.CancelInBackOffice(r.PathValue("id"))
		switch {
		case errors.Is(err, ErrNoOrder):
			jsonapi.WriteError(w, jsonapi.NotFound(err.Error()))
		case errors.Is(err, ErrShipped):
			jsonapi.WriteError(w, &jsonapi.Error{Status: http.StatusConflict, Type: "order_error", Code: "order_shipped", Message: err.Error()})
		default:
			jsonapi.WriteJSON(w, http.StatusOK, o)
		}
	})
	mux.HandleFunc("/", jsonapi.NoRoute)
	return mux
}

func sortStrings(s []string) { sort.Strings(s) }
