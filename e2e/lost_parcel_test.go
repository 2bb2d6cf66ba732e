package e2e

import (
	"crypto/rand"
	"strings"
	"testing"
	"time"
)

// An operator declares lost a parcel that will not arrive, through the
// gateway: the sub-order is cancelled at once and the buyer refunded what
// escrow holds (the goods at least, the target freight at most, whatever
// legs the carrier was paid meanwhile); the buyer may not declare it, and
// the change log says why it ended.
func TestALostParcelIsDeclaredThroughTheGateway(t *testing.T) {
	base, _ := apiMesh(t)
	c := newClient(t, base, "127.0.0.81")
	m := newMarket(t, c)
	buyer := c.signUp("ACCOUNT_TYPE_BUYER", "")
	word := strings.ToLower(rand.Text()[:10])
	c.do("POST", "/v1/me/addresses", buyer.Access, address("DE", "DE-BE", "Berlin")).must(t, 200, "the buyer's default address")
	fundWallet(t, c, buyer.Access, "USD", 100_000, "lost-"+word)

	placed := c.do("POST", "/v1/checkouts", buyer.Access, map[string]any{"checkoutId": "lost-" + word, "currency": "USD",
		"lines": []map[string]any{{"skuId": m.lamp, "quantity": 1}}}).must(t, 200, "checkout")
	orderID, sub := placed.str("order", "orderId"), subOrderIDs(placed)[0]
	payable := minor(objects(obj(placed.Body, "order"), "subOrders")[0], "payableInBuyerCurrency", "amountMinor")
	c.do("POST", "/v1/orders/"+orderID+"/pay", buyer.Access, nil).must(t, 200, "pay")
	paid := walletUSD(t, c, buyer.Access)
	c.do("POST", "/v1/sub-orders/"+sub+"/accept", m.gadgets.Access, map[string]any{}).must(t, 200, "accept")
	express := methodID(t, c, buyer.Access, "DE", "express")
	c.do("POST", "/v1/sub-orders/"+sub+"/ship", m.gadgets.Access, map[string]any{"methodId": express, "from": m.gadgets.from}).must(t, 200, "ship")

	c.do("POST", "/v1/sub-orders/"+sub+"/declare-lost", buyer.Access, map[string]any{"reason": "lost"}).must(t, 403, "the buyer declaring it lost")
	lost := c.do("POST", "/v1/sub-orders/"+sub+"/declare-lost", m.admin, map[string]any{"reason": "the carrier lost it"}).must(t, 200, "declare it lost")
	if st := lost.str("subOrder", "status"); st != "SUB_ORDER_STATUS_CANCELLED" {
		t.Fatalf("the sub-order declared lost is %s: %s", st, lost.Raw)
	}
	var refunded int64
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		if refunded = walletUSD(t, c, buyer.Access) - paid; refunded >= int64(m.lampC) || time.Now().After(deadline) {
			break
		}
	}
	if refunded < int64(m.lampC) || refunded > payable {
		t.Errorf("the buyer got back %d, want between the goods' %d and the %d paid", refunded, m.lampC, payable)
	}
	changes := c.do("GET", "/v1/orders/"+orderID+"/changes", buyer.Access, nil).must(t, 200, "the change log")
	if !strings.Contains(changes.Raw, "parcel_lost: the carrier lost it") {
		t.Errorf("the change log does not say the parcel was lost: %s", changes.Raw)
	}
}
