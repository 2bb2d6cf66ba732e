package e2e

import (
	"context"
	"crypto/rand"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/metadata"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	logisticsv1 "github.com/crossdock/crossdock/gen/crossdock/logistics/v1"
)

const logisticsGRPCPort = 9105

// A parcel's whole journey through the mesh, with the real finance, the
// carrier simulator and the freight estimator: the buyer pays into escrow,
// orders books the parcel, the buyer watches it move (distance left falling,
// an ETA never in the past), each leg the carrier confirms is paid from the
// sub-order's escrow exactly once (the escrow's balance says so), and the
// completed shipment teaches the estimator the actual freight, not the
// buyer's payable.
func TestParcelJourneyThroughTheMesh(t *testing.T) {
	base, offset := apiMesh(t)
	c := newClient(t, base, "127.0.0.36")
	buyer := c.signUp("ACCOUNT_TYPE_BUYER", "")
	other := c.signUp("ACCOUNT_TYPE_BUYER", "")
	word := strings.ToLower(rand.Text()[:10])

	// The buyer pays 250.00 USD into one sub-order's escrow: 200.00 goods,
	// 50.00 target freight.
	fundWallet(t, c, buyer.Access, "USD", 30_000, "parcel-"+word)
	orders := metadata.NewOutgoingContext(context.Background(), metadata.Pairs("authorization", "Bearer "+serviceToken(t, shared.dir, offset, "orders")))
	order, subOrder, supplier := uuid.New(), uuid.New(), uuid.New()
	const goods, paid = 20_000, 25_000
	if _, err := financev1.NewEscrowServiceClient(dial(t, addr(financeGRPCPort, offset))).PayCheckout(orders, &financev1.PayCheckoutRequest{
		OrderId: order.String(), BuyerId: buyer.ID, BuyerCurrency: "USD",
		SubOrders: []*financev1.CheckoutShare{{SubOrderId: subOrder.String(), SupplierOrgId: supplier.String(), Amount: &commonv1.Money{CurrencyCode: "USD", AmountMinor: paid}}},
	}); err != nil {
		t.Fatalf("pay checkout: %v", err)
	}

	// The buyer sees the methods serving Germany; orders books express.
	methods := c.do("GET", "/v1/logistics/methods?destinationCountryCode=DE", buyer.Access, nil).must(t, 200, "list methods")
	method := ""
	for _, m := range methods.list("methods") {
		if m["code"] == "express" {
			method, _ = m["methodId"].(string)
		}
	}
	if method == "" {
		t.Fatalf("no express method: %s", methods.Raw)
	}
	// A parcel and a lane the seeded history has nothing like, so the
	// estimator's first-class group afterwards is this parcel alone.
	volume, weight, value := int64(987_654), int64(43_210), int64(77_777)
	created, err := logisticsv1.NewLogisticsServiceClient(dial(t, addr(logisticsGRPCPort, offset))).CreateShipment(orders, &logisticsv1.CreateShipmentRequest{
		Kind: logisticsv1.ShipmentKind_SHIPMENT_KIND_OUTBOUND, SubOrderId: subOrder.String(), OrderId: order.String(),
		BuyerId: buyer.ID, SupplierOrgId: supplier.String(), MethodId: method,
		From: &commonv1.Address{Recipient: "Supplier " + word, CountryCode: "DE", RegionCode: "DE-BE", City: "Berlin", Lines: []string{"Warehouse 1"},
			Location: &commonv1.GeoPoint{Latitude: 52.52, Longitude: 13.405}},
		To:      &commonv1.Address{Recipient: "Buyer " + word, CountryCode: "DE", RegionCode: "DE-HH", City: "Hamburg", Lines: []string{"Hafenstraße 1"}},
		Lines:   []*logisticsv1.ShipmentLine{{SkuId: uuid.NewString(), Quantity: 1}},
		WeightG: weight, VolumeCm3: volume,
		DeclaredValue: &commonv1.Money{CurrencyCode: "USD", AmountMinor: value},
		GoodsPrice:    &commonv1.Money{CurrencyCode: "USD", AmountMinor: goods},
	})
	if err != nil {
		t.Fatalf("create shipment: %v", err)
	}
	if created.GetShipment().GetWaybill() == "" {
		t.Fatalf("booked without a waybill: %v", created.GetShipment())
	}

	// The buyer watches the parcel until it is delivered; nobody else sees it.
	path := "/v1/logistics/sub-orders/" + subOrder.String() + "/shipment"
	c.do("GET", path, other.Access, nil).must(t, 404, "another buyer's parcel")
	var shipment response
	moved := false
	for deadline := time.Now().Add(2 * time.Minute); ; {
		shipment = c.do("GET", path, buyer.Access, nil).must(t, 200, "where is my parcel")
		status := shipment.str("shipment", "status")
		if status == "SHIPMENT_STATUS_DELIVERED" {
			break
		}
		if eta := shipment.str("shipment", "eta"); eta == "" {
			t.Fatalf("an undelivered parcel without ETA: %s", shipment.Raw)
		} else if at, err := time.Parse(time.RFC3339Nano, eta); err != nil || at.Before(time.Now().Add(-time.Second)) {
			t.Fatalf("ETA %s is in the past: %s", eta, shipment.Raw)
		}
		if shipment.str("shipment", "position", "name") != "" {
			moved = true
		}
		if time.Now().After(deadline) {
			t.Fatalf("the parcel was never delivered: %s", shipment.Raw)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if !moved {
		t.Error("the parcel was never seen on its way")
	}
	if km := number(shipment, "shipment", "distanceLeftKm"); km > 1 {
		t.Errorf("delivered with %.1f km left", km)
	}

	// Every leg confirmed is paid from escrow once: the escrow holds what
	// was paid less the legs.
	var freight int64
	for deadline := time.Now().Add(time.Minute); ; {
		shipment = c.do("GET", path, buyer.Access, nil).must(t, 200, "where is my parcel")
		legs, unpaid := legsOf(shipment)
		freight = 0
		for _, l := range legs {
			n, _ := strconv.ParseInt(l, 10, 64)
			freight += n
		}
		if len(legs) >= 2 && unpaid == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("legs not all confirmed and paid: %s", shipment.Raw)
		}
		time.Sleep(500 * time.Millisecond)
	}
	escrow := c.do("GET", "/v1/escrow/sub-orders/"+subOrder.String(), buyer.Access, nil).must(t, 200, "the sub-order's escrow")
	if got := escrow.str("escrow", "balance", "amountMinor"); got != strconv.FormatInt(paid-freight, 10) {
		t.Errorf("escrow holds %s after legs of %d were paid from %d: %s", got, freight, paid, escrow.Raw)
	}

	// Completion, asked twice, emits one completed shipment with the actual
	// bill; the estimator learns the actual freight from it.
	logistics := logisticsv1.NewLogisticsServiceClient(dial(t, addr(logisticsGRPCPort, offset)))
	for range 2 {
		if _, err := logistics.CompleteShipment(orders, &logisticsv1.CompleteShipmentRequest{ShipmentId: created.GetShipment().GetShipmentId()}); err != nil {
			t.Fatalf("complete: %v", err)
		}
	}
	parcel := map[string]any{"volumeCm3": volume, "weightG": weight, "declaredValue": map[string]any{"currencyCode": "USD", "amountMinor": value}}
	want := new(big.Rat).SetFrac64(freight, 100) // major units
	for deadline := time.Now().Add(30 * time.Second); ; {
		r := estimate(c, buyer.Access, map[string]any{"route": route("DE", "DE-BE", "DE", "DE-HH"), "parcel": parcel}).must(t, 200, "estimate")
		if r.str("basis") == "BASIS_HISTORY" {
			var first map[string]any
			for _, g := range r.list("groups") {
				if g["group"] == "GROUP_FIRST" {
					first = g
				}
			}
			if first["count"] != "1" {
				t.Fatalf("the first-class group holds %v records, want this parcel alone: %s", first["count"], r.Raw)
			}
			mean, _ := first["meanFreight"].(string)
			if got, ok := new(big.Rat).SetString(mean); !ok || got.Cmp(want) != 0 {
				t.Errorf("the estimator learned a freight of %s, the carrier charged %s (the buyer paid %d for freight)", mean, want.FloatString(2), paid-goods)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the estimator never learned the shipment: %s", r.Raw)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// legsOf returns the amounts of a shipment's legs and how many are unpaid.
func legsOf(r response) (amounts []string, unpaid int) {
	sh, _ := r.Body["shipment"].(map[string]any)
	legs, _ := sh["legs"].([]any)
	for _, l := range legs {
		m, _ := l.(map[string]any)
		amount, _ := m["amount"].(map[string]any)
		a, _ := amount["amountMinor"].(string)
		amounts = append(amounts, a)
		if m["paidAt"] == nil {
			unpaid++
		}
	}
	return amounts, unpaid
}

// number reads a JSON number by keys.
func number(r response, keys ...string) float64 {
	var v any = r.Body
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	f, _ := v.(float64)
	return f
}
