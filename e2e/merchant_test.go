package e2e

import (
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// demoTier is the merchant tier `crossdock up` seeds.
const demoTier = "standard"

// newMerchant signs a merchant up, has the admin approve it and put it in
// tier, signs it in again (for a token with the merchant's role and tier)
// and gives it a default address in Lisbon.
func newMerchant(t *testing.T, c *restClient, admin, name, tier string) account {
	t.Helper()
	m := c.signUp("ACCOUNT_TYPE_MERCHANT", name)
	c.do("POST", "/v1/organizations/"+m.OrgID+":approve", admin, map[string]any{}).must(t, 200, "approve "+name)
	c.do("PUT", "/v1/organizations/"+m.OrgID+"/merchant-tier", admin, map[string]any{"tierCode": tier}).must(t, 200, "the tier of "+name)
	m.Access, m.Refresh = c.login(m.Email, testPassword)
	c.do("POST", "/v1/me/addresses", m.Access, address("PT", "PT-11", "Lisboa")).must(t, 200, "the address of "+name)
	return m
}

// fundDeposit tops a merchant's deposit up through the payment sandbox
// with a card that succeeds, and waits until the webhook has credited it.
func fundDeposit(t *testing.T, c *restClient, token, org, currency string, amount int64, key string) {
	t.Helper()
	top := c.do("POST", "/v1/merchants/"+org+"/deposit/top-ups", token, map[string]any{
		"amount": map[string]any{"currencyCode": currency, "amountMinor": amount}, "idempotencyKey": key,
	}).must(t, 200, "deposit top-up")
	confirm(t, c, top, "tok_visa", "", 200)
	if got := topUpState(t, c, token, top.str("topUp", "id")); got != "succeeded" {
		t.Fatalf("deposit top-up %s", got)
	}
}

// depositHolds is what a merchant's deposit holds in currency.
func depositHolds(t *testing.T, c *restClient, token, org, currency string) int64 {
	t.Helper()
	for _, b := range c.do("GET", "/v1/merchants/"+org+"/deposit?currencyCode="+currency, token, nil).must(t, 200, "deposit").list("balances") {
		if b["currencyCode"] == currency {
			return minor(b, "postedMinor")
		}
	}
	return 0
}

// ledgerKind is what the trial balance shows of one kind of account in
// one currency: debits and credits posted.
func ledgerKind(t *testing.T, c *restClient, admin, kind, currency string) (debits, credits int64) {
	t.Helper()
	for _, l := range c.do("GET", "/v1/ledger/trial-balance", admin, nil).must(t, 200, "trial balance").list("lines") {
		if l["kind"] == kind && l["currencyCode"] == currency {
			debits, credits = debits+minor(l, "debitsPostedMinor"), credits+minor(l, "creditsPostedMinor")
		}
	}
	return debits, credits
}

// usd is an amount of US dollars as the API writes money.
func usd(minorUnits int64) map[string]any {
	return map[string]any{"currencyCode": "USD", "amountMinor": minorUnits}
}

// The merchant channel and coupons through the gateway. A merchant of the
// demo tier tops its deposit up through the sandbox and checks out a lamp
// and a code of a supplier of the test's own at their tier cost prices with
// a platform-funded coupon: the order is paid from the deposit at once,
// which falls by the goods at cost less the discount plus freight; the
// coupon is redeemed and cannot be used again; at settlement the platform
// pays the discount in, so the supplier is paid the full goods. A buyer's
// supplier-funded coupon is given back when its order is cancelled, and
// then settles the supplier on the goods less the discount. Refusals — a
// SKU without a tier price, a deposit short, another holder's coupon, a
// coupon used, expired, not yet valid, below its minimum or for other goods
// — are precise and change nothing. The sales figures count each channel.
func TestMerchantOrdersAndCouponsThroughTheMesh(t *testing.T) {
	base, _ := apiMesh(t)
	c := newClient(t, base, "127.0.0.52")
	admin, _ := c.login(adminEmail, demoPassword)
	reviewer, _ := c.login(reviewerEmail, demoPassword)
	demoMerchant, _ := c.login("merchant@demo.crossdock.test", demoPassword)
	f := newCatalogFixture(t, c, admin)
	word := strings.ToLower(rand.Text()[:8])
	const lampC, lampCost, codeC, codeCost = 1999, 1500, 2500, 1800
	shop := newSeller(t, c, admin, "Merchant Supply "+word, "CN", "CN-GD", "Shenzhen", "USD")
	lamp := shop.offerToTiers(t, c, f, reviewer, "PRODUCT_TYPE_PHYSICAL", lampC, 50, map[string]int{demoTier: lampCost})
	code := shop.offerToTiers(t, c, f, reviewer, "PRODUCT_TYPE_VIRTUAL", codeC, 50, map[string]int{demoTier: codeCost})
	retailOnly := shop.offer(t, c, f, reviewer, "PRODUCT_TYPE_VIRTUAL", codeC, 50)
	merchant := newMerchant(t, c, admin, "E2E Corner Shop "+word, demoTier)
	buyer := c.signUp("ACCOUNT_TYPE_BUYER", "")
	fundDeposit(t, c, merchant.Access, merchant.OrgID, "USD", 20_000, "merchant-"+word)
	fundWallet(t, c, buyer.Access, "USD", 20_000, "coupon-buyer-"+word)

	// The campaigns, and their coupons issued to the merchant (or buyer).
	now := time.Now().UTC()
	stamp := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339Nano) }
	expiresAt := now.Add(10 * time.Second)
	campaign := func(name string, terms map[string]any) string {
		body := map[string]any{
			"name": name + " " + word, "kind": "CAMPAIGN_KIND_FIXED_AMOUNT", "currencyCode": "USD", "amount": usd(500),
			"minimumSpend": usd(2000), "validFrom": stamp(-time.Minute), "validUntil": stamp(time.Hour),
			"fundedBy": "CAMPAIGN_FUNDER_PLATFORM", "channel": "COUPON_CHANNEL_MERCHANT",
		}
		for k, v := range terms {
			body[k] = v
		}
		return c.do("POST", "/v1/coupon-campaigns", admin, body).must(t, 200, "campaign "+name).str("campaign", "campaignId")
	}
	toMerchant := map[string]any{"kind": "COUPON_HOLDER_KIND_ORGANIZATION", "id": merchant.OrgID}
	issue := func(issuance, campaignID string, holders ...map[string]any) []string {
		r := c.do("POST", "/v1/coupon-campaigns/"+campaignID+"/issue", admin, map[string]any{
			"issuanceId": issuance + "-" + word, "holders": holders,
		}).must(t, 200, "issue coupons of "+campaignID)
		var ids []string
		for _, id := range r.Body["couponIds"].([]any) {
			ids = append(ids, fmt.Sprint(id))
		}
		if len(ids) != len(holders) {
			t.Fatalf("issued %d coupons to %d holders: %s", len(ids), len(holders), r.Raw)
		}
		return ids
	}
	spring := campaign("Spring", nil)
	// Merchant coupons to no organization, or to a supplier's, issue nothing.
	for what, holder := range map[string]map[string]any{
		"no organization": {"kind": "COUPON_HOLDER_KIND_ORGANIZATION", "id": uuid.NewString()},
		"a supplier":      {"kind": "COUPON_HOLDER_KIND_ORGANIZATION", "id": shop.OrgID},
	} {
		r := c.do("POST", "/v1/coupon-campaigns/"+spring+"/issue", admin, map[string]any{
			"issuanceId": "refused-" + word, "holders": []any{holder},
		}).must(t, 400, "merchant coupons to "+what)
		if got := r.fieldViolations(); !slices.Equal(got, []string{"holders[0].id"}) {
			t.Errorf("merchant coupons to %s: violations %v, want holders[0].id", what, got)
		}
	}
	coupon, spare := issue("spring", spring, toMerchant)[0], issue("spring-spare", spring, toMerchant)[0]
	expiring := issue("flash", campaign("Flash", map[string]any{"validUntil": expiresAt.Format(time.RFC3339Nano)}), toMerchant)[0]
	later := issue("summer", campaign("Summer", map[string]any{"validFrom": stamp(time.Hour), "validUntil": stamp(2 * time.Hour)}), toMerchant)[0]
	rich := issue("rich", campaign("Big spenders", map[string]any{"minimumSpend": usd(1_000_000)}), toMerchant)[0]
	euro := issue("euro", campaign("Euro", map[string]any{"currencyCode": "EUR", "amount": map[string]any{"currencyCode": "EUR", "amountMinor": 500},
		"minimumSpend": map[string]any{"currencyCode": "EUR", "amountMinor": 0}}), toMerchant)[0]
	buyerCoupon := issue("own", campaign("Shop's own", map[string]any{
		"kind": "CAMPAIGN_KIND_PERCENTAGE", "amount": nil, "percentBps": 1000, "minimumSpend": usd(0),
		"fundedBy": "CAMPAIGN_FUNDER_SUPPLIER", "supplierIds": []string{shop.OrgID}, "channel": "COUPON_CHANNEL_OWN_STORE",
	}), map[string]any{"kind": "COUPON_HOLDER_KIND_USER", "id": buyer.ID})[0]

	line := func(sku string, q int) map[string]any { return map[string]any{"skuId": sku, "quantity": q} }
	checkout := func(token, id, coupon string, lines ...any) response {
		body := map[string]any{"checkoutId": id + "-" + word, "currency": "USD", "lines": lines}
		if coupon != "" {
			body["couponId"] = coupon
		}
		return c.do("POST", "/v1/checkouts", token, body)
	}
	// refused checks that a checkout is refused as want (a status with an
	// error reason or a field violation) and leaves stock and the
	// merchant's deposit as they were.
	refused := func(name string, r response, status int, reason string) {
		t.Helper()
		if r.Status != status || reason != "" && errorReason(r) != reason && !slices.Contains(r.fieldViolations(), reason) {
			t.Errorf("%s: %d %s, want %d %s", name, r.Status, r.Raw, status, reason)
		}
	}
	unchanged := func(what string, stock map[string]int64, deposit int64) {
		t.Helper()
		if got := availability(t, c, lamp, code); !mapsEqual(got, stock) {
			t.Errorf("%s changed availability to %v from %v", what, got, stock)
		}
		if got := depositHolds(t, c, merchant.Access, merchant.OrgID, "USD"); got != deposit {
			t.Errorf("%s changed the deposit to %d from %d", what, got, deposit)
		}
	}

	// 1. Refusals before anything is bought.
	stock, deposit := availability(t, c, lamp, code), depositHolds(t, c, merchant.Access, merchant.OrgID, "USD")
	if deposit < 20_000 {
		t.Fatalf("the deposit holds %d after a top-up of 20000", deposit)
	}
	refused("a SKU without the tier's price", checkout(merchant.Access, "no-tier", "", line(code, 1), line(retailOnly, 1)), 400, "lines[1].skuId")
	refused("another merchant's coupon", checkout(demoMerchant, "stolen", coupon, line(code, 2)), 404, "")
	refused("a merchant's coupon at a buyer's checkout", checkout(buyer.Access, "stolen", coupon, line(code, 2)), 404, "")
	refused("a coupon not yet valid", checkout(merchant.Access, "later", later, line(code, 2)), 400, "COUPON_NOT_YET_VALID")
	refused("below the minimum spend", checkout(merchant.Access, "rich", rich, line(code, 2)), 400, "COUPON_BELOW_MINIMUM")
	refused("a coupon for goods in another currency", checkout(merchant.Access, "euro", euro, line(code, 2)), 400, "COUPON_NOT_APPLICABLE")
	unchanged("refused checkouts", stock, deposit)
	c.do("GET", "/v1/coupons/"+coupon, demoMerchant, nil).must(t, 404, "another merchant's coupon")

	// 2. The merchant's order: at the tier's cost, less the coupon, paid
	// from the deposit at once.
	placed := checkout(merchant.Access, "merchant", coupon, line(lamp, 2), line(code, 2)).must(t, 200, "the merchant's checkout")
	order := obj(placed.Body, "order")
	orderID := fmt.Sprint(order["orderId"])
	if order["status"] != "ORDER_STATUS_PAID" || order["channel"] != "merchant" || order["merchantOrgId"] != merchant.OrgID {
		t.Errorf("the merchant's order: %s", placed.Raw)
	}
	subs := bySupplierAndType(order)
	lampSub, codeSub := subs[subOrderKey{shop.OrgID, "PRODUCT_TYPE_PHYSICAL"}], subs[subOrderKey{shop.OrgID, "PRODUCT_TYPE_VIRTUAL"}]
	if len(subs) != 2 || lampSub == nil || codeSub == nil {
		t.Fatalf("want a physical and a virtual sub-order: %s", placed.Raw)
	}
	var discount, sum int64
	for _, tt := range []struct {
		sub   map[string]any
		goods int64
	}{{lampSub, 2 * lampCost}, {codeSub, 2 * codeCost}} {
		s := tt.sub
		d := minor(s, "discount", "amountMinor")
		discount += d
		if minor(s, "goods", "amountMinor") != tt.goods || d <= 0 || d > tt.goods || s["couponId"] != coupon || s["discountFundedBy"] != "platform" {
			t.Errorf("sub-order %v: goods %v, discount %v by %v with %v; want goods %d at the tier's cost", s["subOrderId"], s["goods"], s["discount"],
				s["discountFundedBy"], s["couponId"], tt.goods)
		}
		if payable := minor(s, "payable", "amountMinor"); payable != tt.goods+minor(s, "freight", "amountMinor")-d {
			t.Errorf("sub-order %v: payable %d is not goods %d + freight %v − discount %d", s["subOrderId"], payable, tt.goods, s["freight"], d)
		}
		sum += minor(s, "payable", "amountMinor")
	}
	// The lamps' freight was estimated, and will be declared, at what the
	// merchant pays for them: their cost less the coupon's share, not their
	// retail price.
	lampPaid := 2*lampCost - minor(lampSub, "discount", "amountMinor")
	if v := minor(lampSub, "freightBreakdown", "declaredValue", "amountMinor"); v != lampPaid || at(lampSub, "freightBreakdown", "declaredValue", "currencyCode") != "USD" {
		t.Errorf("the lamps' parcel is valued at %d, want their cost less the discount, %d USD: %v", v, lampPaid, lampSub["freightBreakdown"])
	}
	total := minor(order, "total", "amountMinor")
	if discount != 500 || total != sum || minor(lampSub, "freight", "amountMinor") <= 0 {
		t.Errorf("discounts add up to %d (want 500); total %d, payables %d: %s", discount, total, sum, placed.Raw)
	}
	if got := depositHolds(t, c, merchant.Access, merchant.OrgID, "USD"); got != deposit-total {
		t.Errorf("the deposit holds %d after paying %d from %d", got, total, deposit)
	}
	t.Logf("the merchant paid %d from its deposit: goods %d + %d at cost, freight %d, discount %d", total,
		minor(lampSub, "goods", "amountMinor"), minor(codeSub, "goods", "amountMinor"), minor(lampSub, "freight", "amountMinor"), discount)
	used := obj(c.do("GET", "/v1/coupons/"+coupon, merchant.Access, nil).must(t, 200, "the coupon").Body, "coupon")
	if used["status"] != "COUPON_STATUS_REDEEMED" || used["orderId"] != orderID {
		t.Errorf("the coupon after the order: %v", used)
	}
	bookBalances(t, c)

	// 3. The coupon again, and a deposit that cannot pay (with the spare
	// coupon, which it keeps): refused, nothing reserved or debited.
	stock, deposit = availability(t, c, lamp, code), depositHolds(t, c, merchant.Access, merchant.OrgID, "USD")
	refused("the coupon used twice", checkout(merchant.Access, "twice", coupon, line(code, 2)), 400, "COUPON_ALREADY_USED")
	refused("a deposit short", checkout(merchant.Access, "short", spare, line(lamp, 20)), 400, "INSUFFICIENT_FUNDS")
	unchanged("the refused checkouts", stock, deposit)
	mine := c.do("GET", "/v1/coupons", merchant.Access, nil).must(t, 200, "the merchant's coupons").list("coupons")
	statuses := map[string]any{}
	for _, cp := range mine {
		statuses[fmt.Sprint(cp["couponId"])] = cp["status"]
	}
	if len(mine) != 6 || statuses[coupon] != "COUPON_STATUS_REDEEMED" || statuses[spare] != "COUPON_STATUS_AVAILABLE" || statuses[buyerCoupon] != nil {
		t.Errorf("the merchant lists its coupons as %v, want six, %s redeemed and %s available", statuses, coupon, spare)
	}

	// 4. One of the two codes goes back before settlement (virtual goods
	// travel nowhere: approved, the return is received and refunded into
	// the deposit), less its share of the discount. At settlement the
	// platform pays in the discount on the code kept (from coupon
	// expense), and the supplier is paid that code's full goods.
	codeID := fmt.Sprint(codeSub["subOrderId"])
	codeDiscount := minor(codeSub, "discount", "amountMinor")
	refund := codeCost - codeCost*codeDiscount/(2*codeCost) // the returned unit's goods less its share, rounded down
	expenseDebits, _ := ledgerKind(t, c, admin, "coupon_expense", "USD")
	owed, deposit := payable(t, c, shop), depositHolds(t, c, merchant.Access, merchant.OrgID, "USD")
	c.do("POST", "/v1/sub-orders/"+codeID+"/deliver", shop.Access, map[string]any{}).must(t, 200, "deliver the codes")
	ret := c.do("POST", "/v1/sub-orders/"+codeID+"/after-sales", merchant.Access, map[string]any{
		"requestId": "code-" + word, "kind": "AFTER_SALE_KIND_RETURN", "lines": []any{line(code, 1)}, "reason": "ordered one too many",
	}).must(t, 200, "return a code")
	retID := ret.str("afterSale", "afterSaleId")
	if got := minor(ret.Body, "afterSale", "refund", "amountMinor"); got != refund {
		t.Errorf("returning one of two codes refunds %d, want %d less its share of the discount %d: %d", got, codeCost, codeDiscount, refund)
	}
	c.do("POST", "/v1/after-sales/"+retID+"/decide", shop.Access, map[string]any{"approve": true}).must(t, 200, "approve the return")
	waitAfterSale(t, c, merchant.Access, retID, "the code's refund", func(a map[string]any) bool { return a["status"] == "refunded" })
	if got := depositHolds(t, c, merchant.Access, merchant.OrgID, "USD"); got != deposit+refund {
		t.Errorf("the deposit holds %d after a refund of %d, held %d", got, refund, deposit)
	}
	c.do("POST", "/v1/sub-orders/"+codeID+"/confirm-receipt", merchant.Access, map[string]any{}).must(t, 200, "the merchant confirms receipt")
	waitCompleted(t, c, merchant.Access, orderID, codeID)
	e := escrowOf(t, c, admin, codeID)
	net := minor(e, "supplierNet", "amountMinor")
	if e["state"] != "settled" || net+minor(e, "commission", "amountMinor") != codeCost {
		t.Errorf("the code settled on %v + %v, want the full goods of the code kept %d: %v", e["supplierNet"], e["commission"], codeCost, e)
	}
	if got := payable(t, c, shop); got != owed+net {
		t.Errorf("the supplier's payable holds %d, held %d before a settlement of net %d", got, owed, net)
	}
	if got, _ := ledgerKind(t, c, admin, "coupon_expense", "USD"); got != expenseDebits+codeDiscount-(codeCost-refund) {
		t.Errorf("coupon expense debited %d more, want the discount %d less the returned code's share %d", got-expenseDebits, codeDiscount, codeCost-refund)
	}
	bookBalances(t, c)

	// 5. A buyer's supplier-funded coupon: given back by a cancelled order,
	// then used, and the supplier is settled on the goods less it.
	pending := checkout(buyer.Access, "cancelled", buyerCoupon, line(code, 2)).must(t, 200, "a buyer's checkout with a coupon")
	c.do("POST", "/v1/orders/"+pending.str("order", "orderId")+"/cancel", buyer.Access, map[string]any{"reason": "changed my mind"}).must(t, 200, "cancel")
	if st := c.do("GET", "/v1/coupons/"+buyerCoupon, buyer.Access, nil).must(t, 200, "the buyer's coupon").str("coupon", "status"); st != "COUPON_STATUS_AVAILABLE" {
		t.Errorf("the cancelled order's coupon is %s", st)
	}
	wallet := walletUSD(t, c, buyer.Access)
	bought := checkout(buyer.Access, "own-store", buyerCoupon, line(code, 2)).must(t, 200, "the checkout with the coupon given back")
	buyerOrder := bought.str("order", "orderId")
	own := objects(bought.Body, "order", "subOrders")
	if len(own) != 1 || minor(own[0], "discount", "amountMinor") != 2*codeC/10 || own[0]["discountFundedBy"] != "supplier" ||
		minor(bought.Body, "order", "total", "amountMinor") != 2*codeC-2*codeC/10 {
		t.Fatalf("an own-store order with 10 %% off by the supplier: %s", bought.Raw)
	}
	ownID := fmt.Sprint(own[0]["subOrderId"])
	c.do("POST", "/v1/orders/"+buyerOrder+"/pay", buyer.Access, map[string]any{}).must(t, 200, "pay")
	if got := walletUSD(t, c, buyer.Access); got != wallet-(2*codeC-2*codeC/10) {
		t.Errorf("the wallet holds %d after paying the discounted order from %d", got, wallet)
	}
	owed = payable(t, c, shop)
	c.do("POST", "/v1/sub-orders/"+ownID+"/deliver", shop.Access, map[string]any{}).must(t, 200, "deliver")
	c.do("POST", "/v1/sub-orders/"+ownID+"/confirm-receipt", buyer.Access, map[string]any{}).must(t, 200, "confirm receipt")
	waitCompleted(t, c, buyer.Access, buyerOrder, ownID)
	e = escrowOf(t, c, buyer.Access, ownID)
	net = minor(e, "supplierNet", "amountMinor")
	if e["state"] != "settled" || net+minor(e, "commission", "amountMinor") != 2*codeC-2*codeC/10 {
		t.Errorf("settled on %v + %v, want the goods less the supplier's discount %d: %v", e["supplierNet"], e["commission"], 2*codeC-2*codeC/10, e)
	}
	if got := payable(t, c, shop); got != owed+net {
		t.Errorf("the supplier's payable holds %d, held %d before a settlement of net %d", got, owed, net)
	}
	bookBalances(t, c)

	// 6. A coupon past its campaign's end.
	waitFor(t, "the flash campaign to end", time.Until(expiresAt)+5*time.Second, func() (bool, string) {
		return time.Now().After(expiresAt), time.Now().String()
	})
	stock, deposit = availability(t, c, lamp, code), depositHolds(t, c, merchant.Access, merchant.OrgID, "USD")
	refused("an expired coupon", checkout(merchant.Access, "expired", expiring, line(code, 2)), 400, "COUPON_EXPIRED")
	unchanged("the expired coupon", stock, deposit)

	// 7. The sales figures by channel, at the prices paid before discounts
	// (refunds as refunded).
	products := map[string]string{}
	for _, s := range []map[string]any{lampSub, codeSub} {
		l := objects(s, "lines")[0]
		products[fmt.Sprint(l["skuId"])] = fmt.Sprint(l["productId"])
	}
	requireSales(t, c, shop, admin, map[salesKey]salesFigures{
		{products[lamp], "merchant", "USD"}:  {sold: 2, gross: 2 * lampCost},
		{products[code], "merchant", "USD"}:  {sold: 2, refunded: 1, gross: 2 * codeCost, refunds: refund},
		{products[code], "own_store", "USD"}: {sold: 2, gross: 2 * codeC},
	})
}
