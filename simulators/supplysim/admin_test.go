package supplysim_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/crossdock/crossdock/simulators/supplysim"
)

// The back office seeds products and stock, and ships an order, which the
// account then reads with its waybill; stock levels page by SKU code.
func TestAdminSeedsAndShips(t *testing.T) {
	f := newFixture(t, supplysim.Config{})
	admin := httptest.NewServer(f.p.Admin())
	defer admin.Close()
	do := func(method, path string, body any) int {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, admin.URL+path, bytes.NewReader(b))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	product := supplysim.Product{ID: "p1", Title: "Kettle", SKUs: []supplysim.SKU{{Code: "K-1", Price: "99.90", WeightG: 900, Stock: 1}, {Code: "K-2", Price: "89", WeightG: 900}}}
	if code := do(http.MethodPut, "/admin/products", product); code != http.StatusOK {
		t.Fatalf("seed: %d", code)
	}
	if code := do(http.MethodPut, "/admin/products", supplysim.Product{ID: "p2", Title: "Theft", SKUs: []supplysim.SKU{{Code: "K-1", Price: "1"}}}); code != http.StatusBadRequest {
		t.Errorf("another product's SKU code: %d, want 400", code)
	}
	if code := do(http.MethodPost, "/admin/stock", map[string]any{"sku": "K-2", "stock": 4}); code != http.StatusOK {
		t.Fatalf("stock: %d", code)
	}
	var levels struct {
		Levels []struct {
			SKU   string `json:"sku"`
			Stock int64  `json:"stock"`
		} `json:"levels"`
		Next string `json:"next_cursor"`
	}
	f.call(t, "key-b", http.MethodGet, "/v1/stock?limit=1", nil, &levels)
	if len(levels.Levels) != 1 || levels.Levels[0].SKU != "K-1" || levels.Next != "K-1" {
		t.Fatalf("first stock page: %+v", levels)
	}
	f.call(t, "key-b", http.MethodGet, "/v1/stock?limit=1&cursor="+levels.Next, nil, &levels)
	if len(levels.Levels) != 1 || levels.Levels[0].SKU != "K-2" || levels.Levels[0].Stock != 4 || levels.Next != "" {
		t.Fatalf("second stock page: %+v", levels)
	}
	var o supplysim.Order
	f.call(t, "key-b", http.MethodPost, "/v1/purchase-orders", map[string]any{"reference": "r", "lines": []supplysim.Line{{SKU: "K-2", Quantity: 2}}}, &o)
	if code := do(http.MethodPost, "/admin/orders/"+o.ID+"/ship", nil); code != http.StatusOK {
		t.Fatalf("ship: %d", code)
	}
	f.call(t, "key-b", http.MethodGet, "/v1/purchase-orders/"+o.ID, nil, &o)
	if o.Status != supplysim.StatusShipped || o.Waybill == "" || o.AccountID != "acc-b" {
		t.Errorf("after shipping: %+v", o)
	}
	if code := do(http.MethodPost, "/admin/orders/PO0/ship", nil); code != http.StatusNotFound {
		t.Errorf("ship unknown: %d", code)
	}
}
