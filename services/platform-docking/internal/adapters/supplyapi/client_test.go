package supplyapi_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/partnertls"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/supplyapi"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
	"github.com/crossdock/crossdock/simulators/supplysim"
)

func serve(t *testing.T, faults supplysim.Faults) (*supplysim.Platform, domain.SupplyPlatform) {
	t.Helper()
	sim := supplysim.New(supplysim.Config{Accounts: map[string]string{"acc-a": "key-a", "acc-b": "key-b"}, Faults: faults})
	if _, err := sim.PutProduct(supplysim.Product{ID: "P1", Title: "Kettle", SKUs: []supplysim.SKU{
		{Code: "K-1", Price: "89.90", WeightG: 900, Package: supplysim.Package{Length: 250, Width: 180, Height: 200}, Stock: 3, Specs: map[string]string{"colour": "red"}}}}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.API())
	t.Cleanup(srv.Close)
	return sim, domain.SupplyPlatform{Code: "s", Endpoint: srv.URL + "/", Default: domain.SupplyAccount{AccountID: "acc-a", APIKey: "key-a"}}
}

// The client reads the simulator's catalogue, stock and orders as the
// protocol says, each under the account it is given.
func TestClientReadsTheProtocol(t *testing.T) {
	sim, p := serve(t, supplysim.Faults{})
	c := supplyapi.New(partnertls.Transport{Plaintext: true}, 5*time.Second)
	ctx := context.Background()
	page, err := c.Products(ctx, p, time.Time{}, "")
	if err != nil || len(page.Products) != 1 || page.Next != "" {
		t.Fatalf("products: %+v %v", page, err)
	}
	if got := page.Products[0]; got.ID != "P1" || got.Currency != "CNY" || got.SKUs[0].Price != "89.90" || got.SKUs[0].Specs["colour"] != "red" || got.UpdatedAt.IsZero() ||
		got.SKUs[0].PackageMM != [3]int64{250, 180, 200} {
		t.Errorf("product %+v", got)
	}
	levels, next, err := c.Stock(ctx, p, "")
	if err != nil || levels["K-1"] != 3 || next != "" {
		t.Errorf("stock %v %q %v", levels, next, err)
	}
	b := domain.SupplyAccount{AccountID: "acc-b", APIKey: "key-b"}
	po, err := c.PlaceOrder(ctx, p, b, "sub-1", []domain.PurchaseLine{{SKUCode: "K-1", Quantity: 2}})
	if err != nil || po.AccountID != "acc-b" || po.Status != "placed" {
		t.Fatalf("place: %+v %v", po, err)
	}
	again, err := c.PlaceOrder(ctx, p, b, "sub-1", []domain.PurchaseLine{{SKUCode: "K-1", Quantity: 2}})
	if err != nil || again.ID != po.ID || len(sim.Orders()) != 1 {
		t.Errorf("repeat: %+v %v, %d orders", again, err, len(sim.Orders()))
	}
	if _, err := sim.Ship(po.ID); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetOrder(ctx, p, b, po.ID)
	if err != nil || got.Status != app.PurchaseShipped || got.Waybill == "" || got.CarrierCode == "" {
		t.Errorf("get: %+v %v", got, err)
	}
}

// The platform's answers map to docking's kinds of failure: retry later
// (unavailable, rate limited with its wait) or a refusal.
func TestClientErrors(t *testing.T) {
	ctx := context.Background()
	c := supplyapi.New(partnertls.Transport{Plaintext: true}, 5*time.Second)
	line := []domain.PurchaseLine{{SKUCode: "K-1", Quantity: 1}}
	tests := []struct {
		name   string
		faults supplysim.Faults
		call   func(p domain.SupplyPlatform) error
		check  func(error) bool
	}{
		{"503 is unavailable", supplysim.Faults{ServerError: 1}, func(p domain.SupplyPlatform) error {
			_, err := c.PlaceOrder(ctx, p, p.Default, "r", line)
			return err
		}, func(err error) bool { return apperr.IsKind(err, apperr.KindUnavailable) }},
		{"429 waits as asked", supplysim.Faults{RateLimit: 1, RetryAfter: 3 * time.Second}, func(p domain.SupplyPlatform) error {
			_, err := c.Products(ctx, p, time.Time{}, "")
			return err
		}, func(err error) bool { after, ok := app.RetryAfter(err); return ok && after == 3*time.Second }},
		{"out of stock is a refusal", supplysim.Faults{}, func(p domain.SupplyPlatform) error {
			_, err := c.PlaceOrder(ctx, p, p.Default, "r", []domain.PurchaseLine{{SKUCode: "K-1", Quantity: 99}})
			return err
		}, func(err error) bool { return apperr.IsKind(err, apperr.KindFailedPrecondition) }},
		{"a wrong key is a refusal", supplysim.Faults{}, func(p domain.SupplyPlatform) error {
			_, err := c.Products(ctx, domain.SupplyPlatform{Code: p.Code, Endpoint: p.Endpoint, Default: domain.SupplyAccount{APIKey: "nope"}}, time.Time{}, "")
			return err
		}, func(err error) bool { return apperr.IsKind(err, apperr.KindFailedPrecondition) }},
		{"another account's order is not found", supplysim.Faults{}, func(p domain.SupplyPlatform) error {
			po, err := c.PlaceOrder(ctx, p, p.Default, "r", line)
			if err != nil {
				return err
			}
			_, err = c.GetOrder(ctx, p, domain.SupplyAccount{AccountID: "acc-b", APIKey: "key-b"}, po.ID)
			return err
		}, func(err error) bool { return apperr.IsKind(err, apperr.KindNotFound) }},
		{"unreachable is unavailable", supplysim.Faults{}, func(p domain.SupplyPlatform) error {
			_, err := c.Products(ctx, domain.SupplyPlatform{Code: "gone", Endpoint: "http://127.0.0.1:1", Default: p.Default}, time.Time{}, "")
			return err
		}, func(err error) bool { return apperr.IsKind(err, apperr.KindUnavailable) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, p := serve(t, tt.faults)
			if err := tt.call(p); err == nil || !tt.check(err) {
				t.Errorf("err = %v (%T)", err, errors.Unwrap(err))
			}
		})
	}
}
