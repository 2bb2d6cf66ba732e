package supplysim_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/crossdock/crossdock/simulators/supplysim"
)

type page struct {
	Products []supplysim.Product `json:"products"`
	Next     string              `json:"next_cursor"`
}

// Every call needs an account's key; the health probe does not.
func TestAPIKeys(t *testing.T) {
	f := newFixture(t, supplysim.Config{})
	tests := []struct {
		name, key, path string
		want            int
	}{
		{"no key", "", "/v1/products", http.StatusUnauthorized},
		{"unknown key", "key-x", "/v1/stock", http.StatusUnauthorized},
		{"account a", "key-a", "/v1/products", http.StatusOK},
		{"account b", "key-b", "/v1/stock", http.StatusOK},
		{"health", "", "/healthz", http.StatusOK},
		{"no route", "key-a", "/v1/nothing", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if res := f.call(t, tt.key, http.MethodGet, tt.path, nil, nil); res.StatusCode != tt.want {
				t.Errorf("%s: %d, want %d", tt.path, res.StatusCode, tt.want)
			}
		})
	}
}

// The back office rotates an account's key: the old one stops working at
// once, the new one calls as the same account, whose orders stay its own;
// a new account's key calls as it.
func TestSetAccountKey(t *testing.T) {
	f := newFixture(t, supplysim.Config{})
	f.seed(t, "p1", supplysim.SKU{Code: "S-1", Price: "1.00", WeightG: 10, Stock: 5})
	var placed supplysim.Order
	if res := f.call(t, "key-a", http.MethodPost, "/v1/purchase-orders",
		map[string]any{"reference": "r1", "lines": []map[string]any{{"sku": "S-1", "quantity": 1}}}, &placed); res.StatusCode != http.StatusCreated {
		t.Fatalf("place: %d", res.StatusCode)
	}
	f.p.SetAccountKey("acc-a", "key-a2")
	f.p.SetAccountKey("acc-c", "key-c")
	tests := []struct {
		name, key string
		want      int
	}{
		{"the old key", "key-a", http.StatusUnauthorized},
		{"the new key reads the account's order", "key-a2", http.StatusOK},
		{"another account", "key-b", http.StatusNotFound},
		{"a new account", "key-c", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if res := f.call(t, tt.key, http.MethodGet, "/v1/purchase-orders/"+placed.ID, nil, nil); res.StatusCode != tt.want {
				t.Errorf("%d, want %d", res.StatusCode, tt.want)
			}
		})
	}
}

// The catalogue pages by update time: a page's cursor leads to the rest,
// updated_since leaves out what did not change, and a product updated
// while paging shows up again at the end rather than shifting a page.
func TestCatalogueSinceAndPaging(t *testing.T) {
	f := newFixture(t, supplysim.Config{})
	for _, id := range []string{"p1", "p2", "p3"} {
		f.seed(t, id, supplysim.SKU{Code: id + "-s", Price: "10.50", WeightG: 300, Stock: 5})
		f.clk.Add(time.Second)
	}
	var first page
	f.call(t, "key-a", http.MethodGet, "/v1/products?limit=2", nil, &first)
	if len(first.Products) != 2 || first.Products[0].ID != "p1" || first.Next == "" {
		t.Fatalf("first page: %+v", first)
	}
	f.seed(t, "p1", supplysim.SKU{Code: "p1-s", Price: "11.00", WeightG: 300, Stock: 5})
	var second page
	f.call(t, "key-a", http.MethodGet, "/v1/products?limit=2&cursor="+first.Next, nil, &second)
	if len(second.Products) != 2 || second.Products[0].ID != "p3" || second.Products[1].ID != "p1" || second.Next != "" {
		t.Fatalf("second page: %+v", second)
	}
	if got := second.Products[1].SKUs[0].Price; got != "11.00" || second.Products[1].Currency != "CNY" {
		t.Errorf("updated price %q %s", got, second.Products[1].Currency)
	}
	var changed page
	f.call(t, "key-a", http.MethodGet, "/v1/products?updated_since="+url.QueryEscape(f.clk.Now().Format(time.RFC3339Nano)), nil, &changed)
	if len(changed.Products) != 1 || changed.Products[0].ID != "p1" {
		t.Errorf("since now: %+v, want only p1", changed.Products)
	}
	for _, bad := range []string{"?limit=0", "?limit=101", "?cursor=zz", "?updated_since=yesterday"} {
		if res := f.call(t, "key-a", http.MethodGet, "/v1/products"+bad, nil, nil); res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", bad, res.StatusCode)
		}
	}
}

// A purchase order is placed once per reference, by the account that
// placed it, reserving its stock; the rules refuse the rest.
func TestPurchaseOrderRules(t *testing.T) {
	f := newFixture(t, supplysim.Config{})
	f.seed(t, "p1", supplysim.SKU{Code: "A", Price: "2.50", WeightG: 100, Stock: 10})
	place := func(key, ref string, lines ...supplysim.Line) (int, supplysim.Order) {
		var o supplysim.Order
		res := f.call(t, key, http.MethodPost, "/v1/purchase-orders", map[string]any{"reference": ref, "lines": lines}, &o)
		return res.StatusCode, o
	}
	code, first := place("key-a", "sub-1", supplysim.Line{SKU: "A", Quantity: 3})
	if code != http.StatusCreated || first.AccountID != "acc-a" || first.Status != supplysim.StatusPlaced || first.Total != "7.50" {
		t.Fatalf("place: %d %+v", code, first)
	}
	tests := []struct {
		name  string
		key   string
		ref   string
		lines []supplysim.Line
		want  int
	}{
		{"repeat answers the first order", "key-a", "sub-1", []supplysim.Line{{SKU: "A", Quantity: 3}}, http.StatusOK},
		{"same reference, other lines", "key-a", "sub-1", []supplysim.Line{{SKU: "A", Quantity: 4}}, http.StatusConflict},
		{"same reference, other account", "key-b", "sub-1", []supplysim.Line{{SKU: "A", Quantity: 3}}, http.StatusConflict},
		{"unknown SKU", "key-a", "sub-2", []supplysim.Line{{SKU: "Z", Quantity: 1}}, http.StatusBadRequest},
		{"no lines", "key-a", "sub-3", nil, http.StatusBadRequest},
		{"zero quantity", "key-a", "sub-4", []supplysim.Line{{SKU: "A", Quantity: 0}}, http.StatusBadRequest},
		{"more than the stock left", "key-b", "sub-5", []supplysim.Line{{SKU: "A", Quantity: 8}}, http.StatusConflict},
		{"more than the stock left over lines repeating a SKU", "key-b", "sub-6", []supplysim.Line{{SKU: "A", Quantity: 4}, {SKU: "A", Quantity: 4}}, http.StatusConflict},
		{"no reference", "key-a", "", []supplysim.Line{{SKU: "A", Quantity: 1}}, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, o := place(tt.key, tt.ref, tt.lines...)
			if code != tt.want {
				t.Errorf("%d, want %d", code, tt.want)
			}
			if code == http.StatusOK && o.ID != first.ID {
				t.Errorf("repeat answered %s, want %s", o.ID, first.ID)
			}
		})
	}
	if stock, _ := f.p.Stock("A"); stock != 7 {
		t.Errorf("stock %d, want 7 (3 reserved once)", stock)
	}
	if n := len(f.p.Orders()); n != 1 {
		t.Errorf("%d orders, want 1", n)
	}
	var got supplysim.Order
	if res := f.call(t, "key-b", http.MethodGet, "/v1/purchase-orders/"+first.ID, nil, &got); res.StatusCode != http.StatusNotFound {
		t.Errorf("another account reads the order: %d", res.StatusCode)
	}
	if res := f.call(t, "key-a", http.MethodGet, "/v1/purchase-orders/"+first.ID, nil, &got); res.StatusCode != http.StatusOK || got.Reference != "sub-1" {
		t.Errorf("owner reads: %d %+v", res.StatusCode, got)
	}
}

// An order ships after ShipAfter, with a carrier and a waybill.
func TestOrderShipsAfterDelay(t *testing.T) {
	f := newFixture(t, supplysim.Config{ShipAfter: time.Hour})
	f.seed(t, "p1", supplysim.SKU{Code: "A", Price: "1", WeightG: 100, Stock: 10})
	var o supplysim.Order
	f.call(t, "key-a", http.MethodPost, "/v1/purchase-orders", map[string]any{"reference": "r", "lines": []supplysim.Line{{SKU: "A", Quantity: 1}}}, &o)
	f.call(t, "key-a", http.MethodGet, "/v1/purchase-orders/"+o.ID, nil, &o)
	if o.Status != supplysim.StatusPlaced || o.Waybill != "" {
		t.Fatalf("before the delay: %+v", o)
	}
	f.clk.Add(time.Hour)
	f.call(t, "key-a", http.MethodGet, "/v1/purchase-orders/"+o.ID, nil, &o)
	if o.Status != supplysim.StatusShipped || o.Waybill == "" || o.CarrierCode != "YTO" || o.ShippedAt == nil {
		t.Errorf("after the delay: %+v", o)
	}
}

// An order not shipped yet can be cancelled by its account, once: its
// stock comes back and it never ships; a shipped one cannot.
func TestCancelPurchaseOrder(t *testing.T) {
	f := newFixture(t, supplysim.Config{ShipAfter: time.Hour})
	f.seed(t, "p1", supplysim.SKU{Code: "A", Price: "1", WeightG: 100, Stock: 10})
	place := func(ref string) supplysim.Order {
		var o supplysim.Order
		f.call(t, "key-a", http.MethodPost, "/v1/purchase-orders", map[string]any{"reference": ref, "lines": []supplysim.Line{{SKU: "A", Quantity: 2}}}, &o)
		return o
	}
	cancel := func(key, id string) (int, supplysim.Order) {
		var o supplysim.Order
		res := f.call(t, key, http.MethodPost, "/v1/purchase-orders/"+id+"/cancel", nil, &o)
		return res.StatusCode, o
	}
	kept, shipped := place("kept"), place("shipped")
	if _, err := f.p.Ship(shipped.ID); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, key, id string
		want          int
		status        string
	}{
		{"another account's", "key-b", kept.ID, http.StatusNotFound, ""},
		{"unknown", "key-a", "PO999999", http.StatusNotFound, ""},
		{"placed", "key-a", kept.ID, http.StatusOK, supplysim.StatusCancelled},
		{"again", "key-a", kept.ID, http.StatusOK, supplysim.StatusCancelled},
		{"shipped", "key-a", shipped.ID, http.StatusConflict, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, o := cancel(tc.key, tc.id)
			if code != tc.want || (tc.status != "" && (o.Status != tc.status || o.CancelledAt == nil)) {
				t.Errorf("%d %+v, want %d %s", code, o, tc.want, tc.status)
			}
		})
	}
	if stock, _ := f.p.Stock("A"); stock != 8 {
		t.Errorf("stock %d, want 8 (the cancelled order's 2 back once, the shipped one's gone)", stock)
	}
	f.clk.Add(2 * time.Hour)
	if o, _ := f.p.OrderByReference("kept"); o.Status != supplysim.StatusCancelled || o.Waybill != "" {
		t.Errorf("a cancelled order after the shipping delay: %+v", o)
	}
}

// Faults: a 503 does nothing, a 429 says when to come back, a lost answer
// did its work.
func TestFaults(t *testing.T) {
	body := map[string]any{"reference": "r", "lines": []supplysim.Line{{SKU: "A", Quantity: 1}}}
	tests := []struct {
		name       string
		faults     supplysim.Faults
		wantStatus int
		wantOrders int
		retryAfter string
	}{
		{"server error", supplysim.Faults{ServerError: 1}, http.StatusServiceUnavailable, 0, ""},
		{"rate limit", supplysim.Faults{RateLimit: 1, RetryAfter: 1500 * time.Millisecond}, http.StatusTooManyRequests, 0, "2"},
		{"lost answer", supplysim.Faults{LostAnswer: 1}, http.StatusServiceUnavailable, 1, ""},
		{"none", supplysim.Faults{}, http.StatusCreated, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, supplysim.Config{Faults: tt.faults})
			f.seed(t, "p1", supplysim.SKU{Code: "A", Price: "1", WeightG: 100, Stock: 10})
			res := f.call(t, "key-a", http.MethodPost, "/v1/purchase-orders", body, nil)
			if res.StatusCode != tt.wantStatus || res.Header.Get("Retry-After") != tt.retryAfter {
				t.Errorf("%d Retry-After %q, want %d %q", res.StatusCode, res.Header.Get("Retry-After"), tt.wantStatus, tt.retryAfter)
			}
			if n := len(f.p.Orders()); n != tt.wantOrders {
				t.Errorf("%d orders, want %d", n, tt.wantOrders)
			}
		})
	}
}

// Order numbers and waybills are never issued twice, by two runs of the
// platform either: a buyer that kept its records across a restart of the
// platform must not take a new order for one it placed before.
func TestOrderNumbersAndWaybillsDifferAcrossRuns(t *testing.T) {
	ids, waybills := map[string]bool{}, map[string]bool{}
	for range 2 {
		f := newFixture(t, supplysim.Config{ShipAfter: time.Hour})
		f.seed(t, "p1", supplysim.SKU{Code: "A", Price: "2.50", WeightG: 100, Stock: 10})
		var o supplysim.Order
		if res := f.call(t, "key-a", http.MethodPost, "/v1/purchase-orders", map[string]any{"reference": "sub-1", "lines": []supplysim.Line{{SKU: "A", Quantity: 1}}}, &o); res.StatusCode != http.StatusCreated {
			t.Fatalf("place: %d", res.StatusCode)
		}
		f.clk.Add(time.Hour)
		var shipped supplysim.Order
		if res := f.call(t, "key-a", http.MethodGet, "/v1/purchase-orders/"+o.ID, nil, &shipped); res.StatusCode != http.StatusOK || shipped.Waybill == "" {
			t.Fatalf("read: %d %+v", res.StatusCode, shipped)
		}
		if ids[o.ID] || waybills[shipped.Waybill] {
			t.Errorf("a second run issued %s / %s again", o.ID, shipped.Waybill)
		}
		ids[o.ID], waybills[shipped.Waybill] = true, true
	}
}

// A product replaced with fewer SKUs drops the others: the stock levels no
// longer list them, and their codes are free for another product. Before,
// the stock levels read the dropped SKU, the handler panicked holding the
// platform's lock, and every later call hung.
func TestReplacedProductDropsItsOldSKUs(t *testing.T) {
	f := newFixture(t, supplysim.Config{})
	f.seed(t, "p1", supplysim.SKU{Code: "p1-a", Price: "10.00", Stock: 5}, supplysim.SKU{Code: "p1-b", Price: "12.00", Stock: 3})
	f.seed(t, "p1", supplysim.SKU{Code: "p1-a", Price: "10.00", Stock: 5})
	var levels struct {
		Levels []struct {
			SKU   string `json:"sku"`
			Stock int64  `json:"stock"`
		} `json:"levels"`
	}
	if res := f.call(t, "key-a", http.MethodGet, "/v1/stock", nil, &levels); res.StatusCode != http.StatusOK || len(levels.Levels) != 1 || levels.Levels[0].SKU != "p1-a" {
		t.Fatalf("stock levels: %d %+v, want p1-a alone", res.StatusCode, levels)
	}
	f.seed(t, "p2", supplysim.SKU{Code: "p1-b", Price: "9.00", Stock: 1})
	if res := f.call(t, "key-a", http.MethodGet, "/v1/stock", nil, &levels); res.StatusCode != http.StatusOK || len(levels.Levels) != 2 {
		t.Errorf("a later call: %d %+v", res.StatusCode, levels)
	}
}
