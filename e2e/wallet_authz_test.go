package e2e

import (
	"crypto/rand"
	"slices"
	"strings"
	"testing"
)

// The authorization matrix of finance's wallet routes: a buyer reads and
// tops up only their own wallet, members of a supplier read its payable and
// only its owners pay it out, members of a merchant read and top up its
// deposit, admins read any payable or deposit, and nobody else gets in. The
// webhook route takes no token and refuses an unsigned delivery.
func TestWalletAuthorizationMatrix(t *testing.T) {
	base, _ := apiMesh(t)
	c := newClient(t, base, "127.0.0.31")
	tokens := map[string]string{}
	for actor, email := range map[string]string{
		"admin": adminEmail, "reviewer": reviewerEmail, "buyer": buyerEmail,
		"supplier1": supplierEmail, "supplier2": supplier2Email, "merchant": "merchant@demo.crossdock.test",
	} {
		tokens[actor], _ = c.login(email, demoPassword)
	}
	buyer2 := c.signUp("ACCOUNT_TYPE_BUYER", "")
	tokens["buyer2"] = buyer2.Access
	orgOf := func(actor string) string {
		return c.do("GET", "/v1/me", tokens[actor], nil).must(t, 200, actor+"'s profile").str("user", "organizationId")
	}
	s1, m := orgOf("supplier1"), orgOf("merchant")
	word := strings.ToLower(rand.Text()[:10])
	money := map[string]any{"currencyCode": "USD", "amountMinor": 1500}
	topUp := map[string]any{"amount": money, "idempotencyKey": "matrix-" + word}
	payout := map[string]any{"amount": money, "destination": "acct_matrix", "idempotencyKey": "matrix-" + word}

	// The mesh runs the payment sandbox: a buyer's top-up is made, and its
	// owner and admins read it, others not.
	provided := []int{200}
	topUpID := c.do("POST", "/v1/wallet/top-ups", tokens["buyer"], map[string]any{"amount": money, "idempotencyKey": "own-" + word}).
		must(t, 200, "the buyer's top-up").str("topUp", "id")

	rows := map[string][]authzCheck{
		"GET /v1/wallet": {
			{"buyer", "", nil, ok}, {"buyer2", "", nil, ok},
			{"supplier1", "", nil, denied}, {"merchant", "", nil, denied}, {"admin", "", nil, denied},
			{"buyer", "/v1/wallet?userId=" + buyer2.ID, nil, denied}, {"reviewer", "/v1/wallet?userId=" + buyer2.ID, nil, denied},
			{"admin", "/v1/wallet?userId=" + buyer2.ID, nil, ok},
		},
		"GET /v1/wallet/transfers": {
			{"buyer", "/v1/wallet/transfers?currencyCode=USD", nil, ok},
			{"supplier1", "/v1/wallet/transfers?currencyCode=USD", nil, denied},
			{"reviewer", "/v1/wallet/transfers?currencyCode=USD", nil, denied},
			{"buyer", "/v1/wallet/transfers?currencyCode=USD&userId=" + buyer2.ID, nil, denied},
			{"admin", "/v1/wallet/transfers?currencyCode=USD&userId=" + buyer2.ID, nil, ok},
		},
		"POST /v1/wallet/top-ups": {
			{"supplier1", "", topUp, denied}, {"merchant", "", topUp, denied}, {"admin", "", topUp, denied},
			{"buyer2", "", topUp, provided},
		},
		"GET /v1/top-ups/{top_up_id}": {
			{"buyer2", "/v1/top-ups/" + topUpID, nil, denied}, {"supplier1", "/v1/top-ups/" + topUpID, nil, denied},
			{"merchant", "/v1/top-ups/" + topUpID, nil, denied},
			{"buyer", "/v1/top-ups/" + topUpID, nil, ok}, {"admin", "/v1/top-ups/" + topUpID, nil, ok},
		},
		"POST /v1/merchants/{organization_id}/deposit/top-ups": {
			{"buyer", "/v1/merchants/" + m + "/deposit/top-ups", topUp, denied},
			{"supplier1", "/v1/merchants/" + m + "/deposit/top-ups", topUp, denied},
			{"merchant", "/v1/merchants/" + s1 + "/deposit/top-ups", topUp, denied},
			{"admin", "/v1/merchants/" + m + "/deposit/top-ups", topUp, denied},
			{"merchant", "/v1/merchants/" + m + "/deposit/top-ups", topUp, provided},
		},
		"GET /v1/merchants/{organization_id}/deposit": {
			{"buyer", "/v1/merchants/" + m + "/deposit", nil, denied},
			{"supplier1", "/v1/merchants/" + m + "/deposit", nil, denied},
			{"merchant", "/v1/merchants/" + m + "/deposit", nil, ok},
			{"admin", "/v1/merchants/" + m + "/deposit", nil, ok},
		},
		"GET /v1/suppliers/{organization_id}/payable": {
			{"supplier2", "/v1/suppliers/" + s1 + "/payable", nil, denied},
			{"buyer", "/v1/suppliers/" + s1 + "/payable", nil, denied},
			{"merchant", "/v1/suppliers/" + s1 + "/payable", nil, denied},
			{"supplier1", "/v1/suppliers/" + s1 + "/payable", nil, ok},
			{"admin", "/v1/suppliers/" + s1 + "/payable", nil, ok},
		},
		"POST /v1/suppliers/{organization_id}/payouts": {
			{"supplier2", "/v1/suppliers/" + s1 + "/payouts", payout, denied},
			{"buyer", "/v1/suppliers/" + s1 + "/payouts", payout, denied},
			{"admin", "/v1/suppliers/" + s1 + "/payouts", payout, denied},
			// Allowed, and refused by the ledger: the payable holds nothing.
			{"supplier1", "/v1/suppliers/" + s1 + "/payouts", payout, []int{400}},
		},
		"GET /v1/suppliers/{organization_id}/payouts": {
			{"supplier2", "/v1/suppliers/" + s1 + "/payouts", nil, denied},
			{"buyer", "/v1/suppliers/" + s1 + "/payouts", nil, denied},
			{"supplier1", "/v1/suppliers/" + s1 + "/payouts", nil, ok},
			{"admin", "/v1/suppliers/" + s1 + "/payouts", nil, ok},
		},
	}
	authzMatrix{
		services: []string{"crossdock.finance.v1.WalletService"},
		rows:     rows,
		tokens:   tokens,
		params:   strings.NewReplacer("{top_up_id}", topUpID, "{organization_id}", s1),
	}.run(t, c)

	// The refused payout moved nothing and is listed as failed; the payable
	// is still empty.
	payouts := c.do("GET", "/v1/suppliers/"+s1+"/payouts", tokens["supplier1"], nil).must(t, 200, "payouts").list("payouts")
	if len(payouts) != 1 || payouts[0]["state"] != "failed" {
		t.Errorf("payouts %v after the ledger refused the one asked for, want it alone, failed", payouts)
	}
	for _, b := range c.do("GET", "/v1/suppliers/"+s1+"/payable", tokens["admin"], nil).must(t, 200, "payable").list("balances") {
		if b["postedMinor"] != "0" || b["pendingDebitsMinor"] != "0" {
			t.Errorf("payable after refused payouts: %v", b)
		}
	}

	// The webhook route is public: no token, and an unsigned delivery is
	// refused by finance, not by the gateway's authentication.
	r := c.do("POST", "/v1/webhooks/payment-provider", "", map[string]any{"id": "evt_forged", "type": "payment_intent.succeeded"})
	if slices.Contains([]int{200, 401}, r.Status) || r.Status >= 500 {
		t.Errorf("unsigned webhook: %d %s", r.Status, r.Raw)
	}
}
