package e2e

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	logisticsv1 "github.com/crossdock/crossdock/gen/crossdock/logistics/v1"
)

// Parcels are booked and every other one cancelled right away, as orders
// does for a sub-order cancelled as it ships, while logistics is killed
// with SIGKILL twice and started again (callers retrying with the same
// requests): every parcel whose cancellation was answered ends cancelled
// at the carrier too — the carrier never picks it up or charges it,
// whichever booking answer the kills lost — and no leg of it is paid;
// every other parcel is delivered.
func TestLogisticsSurvivesKillWhileBookingAndCancelling(t *testing.T) {
	const parcels = 24
	k := newLogisticsCrash(t, "127.0.0.40", parcels)
	c, auth, withAuth, logistics, shipments := k.c, k.auth, k.withAuth, k.logistics, k.shipments
	restartsBefore := shared.up.restarts("logistics")
	ids := make([]string, parcels)
	cancelled := make([]bool, parcels)
	killing(t, "logistics", parcels, 4, func(i int) error {
		created, err := throughRestarts(auth, func(ctx context.Context) (*logisticsv1.CreateShipmentResponse, error) {
			return logistics.CreateShipment(ctx, shipments[i])
		})
		if err != nil {
			return fmt.Errorf("create: %w", err)
		}
		ids[i] = created.GetShipment().GetShipmentId()
		if i%2 == 0 {
			return nil
		}
		_, err = throughRestarts(auth, func(ctx context.Context) (*logisticsv1.CancelShipmentResponse, error) {
			return logistics.CancelShipment(ctx, &logisticsv1.CancelShipmentRequest{ShipmentId: ids[i], Reason: "buyer"})
		})
		if status.Code(err) == codes.FailedPrecondition && strings.Contains(err.Error(), "picked") {
			return nil // the carrier was faster: it travels
		}
		cancelled[i] = err == nil
		return err
	})

	get := func(id string) *logisticsv1.Shipment {
		return retryUnavailable(t, func(ctx context.Context) (*logisticsv1.GetShipmentResponse, error) {
			return logistics.GetShipment(withAuth(ctx), &logisticsv1.GetShipmentRequest{ShipmentId: id})
		}).GetShipment()
	}
	carrier := newCarrierSimClient(t, k.offset)
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(500 * time.Millisecond) {
				sh := get(id)
				switch {
				case !cancelled[i] && sh.GetStatus() == logisticsv1.ShipmentStatus_SHIPMENT_STATUS_DELIVERED:
					return
				case cancelled[i] && sh.GetStatus() == logisticsv1.ShipmentStatus_SHIPMENT_STATUS_CANCELLED && sh.GetWaybill() != "" &&
					sh.GetCarrierCancellation() == logisticsv1.CarrierCancellation_CARRIER_CANCELLATION_DONE &&
					carrier.status(t, sh.GetWaybill()) == "cancelled":
					if len(sh.GetLegs()) > 0 {
						t.Errorf("cancelled parcel %d has legs: %v", i, sh.GetLegs())
					}
					return
				}
				if time.Now().After(deadline) {
					t.Errorf("parcel %d (cancelled %v) never ended so: %v", i, cancelled[i], sh)
					return
				}
			}
		})
	}
	wg.Wait()

	// By now every live booking has travelled: none of a cancelled parcel.
	for _, e := range carrier.events(t) {
		for i, id := range ids {
			if cancelled[i] && e.Reference == id && (e.Type == "charge" || (e.Status != "booked" && e.Status != "cancelled")) {
				t.Errorf("the carrier ran cancelled parcel %d: %+v", i, e)
			}
		}
	}
	if shared.up.restarts("logistics") <= restartsBefore {
		t.Errorf("crossdock up did not report restarting logistics:\n%s", shared.up.output(40))
	}
	bookBalances(t, c)
}

// logisticsCrash is what the logistics crash tests share: a buyer, the
// orders service's credentials, and parcels whose sub-orders are paid
// into escrow (crashPaid each), ready to book.
type logisticsCrash struct {
	c         *restClient
	offset    int
	auth      metadata.MD
	withAuth  func(context.Context) context.Context
	escrows   financev1.EscrowServiceClient
	logistics logisticsv1.LogisticsServiceClient
	shipments []*logisticsv1.CreateShipmentRequest
}

// crashPaid is what each crash test's sub-order holds in escrow.
const crashPaid = 10_000

func newLogisticsCrash(t *testing.T, ip string, parcels int) *logisticsCrash {
	t.Helper()
	base, offset := apiMesh(t)
	c := newClient(t, base, ip)
	buyer := c.signUp("ACCOUNT_TYPE_BUYER", "")
	fundWallet(t, c, buyer.Access, "USD", int64(parcels)*crashPaid, "kill-"+strings.ToLower(rand.Text()[:10]))
	auth := metadata.Pairs("authorization", "Bearer "+serviceToken(t, shared.dir, offset, "orders"))
	k := &logisticsCrash{c: c, offset: offset, auth: auth, withAuth: func(ctx context.Context) context.Context { return metadata.NewOutgoingContext(ctx, auth) },
		escrows:   financev1.NewEscrowServiceClient(dial(t, addr(financeGRPCPort, offset))),
		logistics: logisticsv1.NewLogisticsServiceClient(dial(t, addr(logisticsGRPCPort, offset)))}
	carriers := logisticsv1.NewCarrierServiceClient(dial(t, addr(logisticsGRPCPort, offset)))
	k.shipments = escrowedShipments(t, k.escrows, carriers, k.withAuth, uuid.New(), uuid.New(), buyer.ID, parcels, crashPaid)
	return k
}

// escrowedShipments pays n sub-orders of one order into escrow (paid
// each) and returns their parcels' booking requests by express, from a
// supplier's warehouse in Germany to the buyer in Köln.
func escrowedShipments(t *testing.T, escrows financev1.EscrowServiceClient, carriers logisticsv1.CarrierServiceClient,
	withAuth func(context.Context) context.Context, order, supplier uuid.UUID, buyerID string, n int, paid int64) []*logisticsv1.CreateShipmentRequest {
	t.Helper()
	subOrders := make([]uuid.UUID, n)
	shares := make([]*financev1.CheckoutShare, n)
	for i := range subOrders {
		subOrders[i] = uuid.New()
		shares[i] = &financev1.CheckoutShare{SubOrderId: subOrders[i].String(), SupplierOrgId: supplier.String(), Amount: &commonv1.Money{CurrencyCode: "USD", AmountMinor: paid}}
	}
	retryUnavailable(t, func(ctx context.Context) (*financev1.PayCheckoutResponse, error) {
		return escrows.PayCheckout(withAuth(ctx), &financev1.PayCheckoutRequest{OrderId: order.String(), BuyerId: buyerID, BuyerCurrency: "USD", SubOrders: shares})
	})
	methods := retryUnavailable(t, func(ctx context.Context) (*logisticsv1.ListShippingMethodsResponse, error) {
		return carriers.ListShippingMethods(withAuth(ctx), &logisticsv1.ListShippingMethodsRequest{DestinationCountryCode: "DE"})
	})
	method := ""
	for _, m := range methods.GetMethods() {
		if m.GetCode() == "express" {
			method = m.GetMethodId()
		}
	}
	reqs := make([]*logisticsv1.CreateShipmentRequest, n)
	for i, sub := range subOrders {
		reqs[i] = &logisticsv1.CreateShipmentRequest{
			Kind: logisticsv1.ShipmentKind_SHIPMENT_KIND_OUTBOUND, SubOrderId: sub.String(), OrderId: order.String(),
			BuyerId: buyerID, SupplierOrgId: supplier.String(), MethodId: method,
			From:  &commonv1.Address{Recipient: "Supplier", CountryCode: "DE", RegionCode: "DE-BY", City: "München", Lines: []string{"Lager 1"}},
			To:    &commonv1.Address{Recipient: "Buyer", CountryCode: "DE", RegionCode: "DE-NW", City: "Köln", Lines: []string{fmt.Sprintf("Ring %d", i)}},
			Lines: []*logisticsv1.ShipmentLine{{SkuId: uuid.NewString(), Quantity: 1}}, WeightG: int64(500 + 100*i), VolumeCm3: 4000,
			DeclaredValue: &commonv1.Money{CurrencyCode: "USD", AmountMinor: 5000}, GoodsPrice: &commonv1.Money{CurrencyCode: "USD", AmountMinor: 5000},
		}
	}
	return reqs
}

// carrierSimClient reads the carrier simulator's API with the key the mesh
// generated for logistics, as a carrier's customer would.
type carrierSimClient struct {
	base, key string
}

func newCarrierSimClient(t *testing.T, offset int) carrierSimClient {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(shared.dir, "secrets.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		CarrierSim struct {
			APIKey string `json:"api_key"`
		} `json:"carrier_sim"`
	}
	if err := json.Unmarshal(raw, &f); err != nil || f.CarrierSim.APIKey == "" {
		t.Fatalf("secrets.json has no carrier simulator API key (%v)", err)
	}
	return carrierSimClient{base: "http://" + addr(carrierSimPort, offset), key: f.CarrierSim.APIKey}
}

func (c carrierSimClient) get(t *testing.T, path string, out any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("carrier GET %s: %d", path, res.StatusCode)
		return
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Error(errors.Join(fmt.Errorf("carrier GET %s", path), err))
	}
}

// status is a booking's status at the carrier.
func (c carrierSimClient) status(t *testing.T, waybill string) string {
	var sh struct {
		Status string `json:"status"`
	}
	c.get(t, "/v1/shipments/"+waybill, &sh)
	return sh.Status
}

// carrierEvent is one event of the carrier's feed.
type carrierEvent struct {
	Seq       int64  `json:"seq"`
	Type      string `json:"type"`
	Reference string `json:"reference"`
	Waybill   string `json:"waybill"`
	Status    string `json:"status"`
	// Charge is a charge event's leg and amount.
	Charge *struct {
		LegID    string `json:"leg_id"`
		Amount   int64  `json:"amount"`
		Currency string `json:"currency"`
	} `json:"charge"`
}

// events reads the carrier's whole event feed.
func (c carrierSimClient) events(t *testing.T) []carrierEvent {
	t.Helper()
	var all []carrierEvent
	for after := int64(0); ; {
		var page struct {
			Events  []carrierEvent `json:"events"`
			HasMore bool           `json:"has_more"`
		}
		c.get(t, fmt.Sprintf("/v1/events?limit=1000&after=%d", after), &page)
		all = append(all, page.Events...)
		for _, e := range page.Events {
			after = max(after, e.Seq)
		}
		if !page.HasMore || len(page.Events) == 0 || t.Failed() {
			return all
		}
	}
}
