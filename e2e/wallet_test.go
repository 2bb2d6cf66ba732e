package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// confirm confirms a top-up's payment intent at the sandbox's confirm_url as
// the payer's client does, with a test card and a webhook delivery fault;
// the provider answers a refused card with 402.
func confirm(t *testing.T, c *restClient, topUp response, card, fault string, want int) {
	t.Helper()
	url, secret := topUp.str("confirmUrl"), topUp.str("clientSecret")
	if url == "" || secret == "" {
		t.Fatalf("top-up without confirm_url or client_secret: %s", topUp.Raw)
	}
	body, err := json.Marshal(map[string]string{"client_secret": secret, "payment_method": card, "webhook": fault})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest("POST", url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if r := c.send(req); r.Status != want {
		t.Fatalf("confirm with %s: %d %s", card, r.Status, r.Raw)
	}
}

// topUpState waits for the provider's webhook to settle a top-up and
// returns its final state.
// fundWallet tops a wallet up through the payment sandbox with a card that
// succeeds, and waits until the webhook has credited it.
func fundWallet(t *testing.T, c *restClient, token, currency string, amount int64, key string) {
	t.Helper()
	top := c.do("POST", "/v1/wallet/top-ups", token, map[string]any{
		"amount": map[string]any{"currencyCode": currency, "amountMinor": amount}, "idempotencyKey": key,
	}).must(t, 200, "top-up")
	confirm(t, c, top, "tok_visa", "", 200)
	if got := topUpState(t, c, token, top.str("topUp", "id")); got != "succeeded" {
		t.Fatalf("top-up %s", got)
	}
}

func topUpState(t *testing.T, c *restClient, token, id string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		state := c.do("GET", "/v1/top-ups/"+id, token, nil).must(t, 200, "the top-up").str("topUp", "state")
		if state != "pending" || time.Now().After(deadline) {
			return state
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A buyer tops up a wallet through the REST API and the payment sandbox:
// the provider's webhook, delivered twice or with a stale event after the
// final one, credits the wallet exactly once; a declined card credits
// nothing, until the payer pays the same top-up with another card.
func TestWalletTopUpThroughTheSandbox(t *testing.T) {
	base, _ := apiMesh(t)
	c := newClient(t, base, "127.0.0.32")
	buyer := c.signUp("ACCOUNT_TYPE_BUYER", "")
	word := rand.Text()[:10]
	create := func(key string, amount int) response {
		req, err := http.NewRequest("POST", base+"/v1/wallet/top-ups", bytes.NewReader([]byte(
			`{"amount":{"currencyCode":"EUR","amountMinor":`+strconv.Itoa(amount)+`}}`)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+buyer.Access)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", key)
		return c.send(req)
	}

	steps := []struct {
		card, fault, want string
		confirmed         int
		amount, balance   int
	}{
		{"tok_visa", "twice", "succeeded", 200, 2500, 2500},
		{"tok_visa", "out_of_order", "succeeded", 200, 1000, 3500},
		{"tok_decline", "", "failed", 402, 700, 3500},
		{"tok_insufficient_funds", "twice", "failed", 402, 900, 3500},
	}
	for i, s := range steps {
		key := "e2e-" + word + "-" + strconv.Itoa(i)
		first := create(key, s.amount).must(t, 200, "top-up "+key)
		// The same key again answers with the same top-up and intent.
		again := create(key, s.amount).must(t, 200, "top-up retry "+key)
		if again.str("topUp", "id") != first.str("topUp", "id") || again.str("topUp", "intentId") != first.str("topUp", "intentId") {
			t.Errorf("retry of %s: %s, first %s", key, again.Raw, first.Raw)
		}
		confirm(t, c, first, s.card, s.fault, s.confirmed)
		if got := topUpState(t, c, buyer.Access, first.str("topUp", "id")); got != s.want {
			t.Errorf("%s with %s: top-up %s, want %s", s.card, s.fault, got, s.want)
		}
		wallet := c.do("GET", "/v1/wallet", buyer.Access, nil).must(t, 200, "wallet")
		balances := wallet.list("balances")
		if len(balances) != 1 || balances[0]["postedMinor"] != strconv.Itoa(s.balance) {
			t.Errorf("after %s with %s: wallet %s, want %d EUR", s.card, s.fault, wallet.Raw, s.balance)
		}
	}
	// The declined one paid at last with another card, on the same intent:
	// a decline is not final, and the wallet is credited once.
	declined := create("e2e-"+word+"-2", 700).must(t, 200, "the declined top-up again")
	confirm(t, c, declined, "tok_visa", "", 200)
	state, deadline := "", time.Now().Add(30*time.Second)
	for state != "succeeded" && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		state = topUpState(t, c, buyer.Access, declined.str("topUp", "id"))
	}
	if state != "succeeded" {
		t.Errorf("the declined top-up paid with another card: %s, want succeeded", state)
	}
	// The same key with another amount names the key.
	if r := create("e2e-"+word+"-0", 9999); r.Status != 409 {
		t.Errorf("reused key: %d %s", r.Status, r.Raw)
	}
	statement := c.do("GET", "/v1/wallet/transfers?currencyCode=EUR", buyer.Access, nil).must(t, 200, "statement")
	if n := len(statement.list("transfers")); n != 3 {
		t.Errorf("statement holds %d transfers, want 3: %s", n, statement.Raw)
	}
	wallet := c.do("GET", "/v1/wallet", buyer.Access, nil).must(t, 200, "wallet")
	if balances := wallet.list("balances"); len(balances) != 1 || balances[0]["postedMinor"] != "4200" {
		t.Errorf("wallet %s, want 4200 EUR: 3500 and the 700 paid after its decline", wallet.Raw)
	}
}

// A merchant's member tops up the merchant's prepaid deposit through the
// sandbox; the deposit lists the change, and another merchant's member sees
// none of it.
func TestMerchantDepositTopUpThroughTheSandbox(t *testing.T) {
	base, _ := apiMesh(t)
	c := newClient(t, base, "127.0.0.33")
	merchant, _ := c.login("merchant@demo.crossdock.test", demoPassword)
	org := c.do("GET", "/v1/me", merchant, nil).must(t, 200, "merchant profile").str("user", "organizationId")
	before := int64(0)
	for _, b := range c.do("GET", "/v1/merchants/"+org+"/deposit?currencyCode=USD", merchant, nil).must(t, 200, "deposit").list("balances") {
		if b["currencyCode"] == "USD" {
			before, _ = strconv.ParseInt(b["postedMinor"].(string), 10, 64)
		}
	}
	top := c.do("POST", "/v1/merchants/"+org+"/deposit/top-ups", merchant, map[string]any{
		"amount": map[string]any{"currencyCode": "USD", "amountMinor": 40000}, "idempotencyKey": "e2e-deposit-" + rand.Text()[:10],
	}).must(t, 200, "deposit top-up")
	confirm(t, c, top, "tok_visa", "twice", 200)
	if got := topUpState(t, c, merchant, top.str("topUp", "id")); got != "succeeded" {
		t.Fatalf("deposit top-up %s", got)
	}
	dep := c.do("GET", "/v1/merchants/"+org+"/deposit?currencyCode=USD", merchant, nil).must(t, 200, "deposit")
	var after int64
	for _, b := range dep.list("balances") {
		if b["currencyCode"] == "USD" {
			after, _ = strconv.ParseInt(b["postedMinor"].(string), 10, 64)
		}
	}
	if after-before != 40000 {
		t.Errorf("deposit went from %d to %d, want +40000: %s", before, after, dep.Raw)
	}
	changes := dep.list("changes")
	if len(changes) == 0 || changes[0]["reference"] != top.str("topUp", "id") || changes[0]["code"] != "top_up" {
		t.Errorf("latest change is not the top-up: %s", dep.Raw)
	}
}
