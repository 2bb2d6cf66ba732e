package e2e

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// readmeRequest is one curl command of the README's "Trying it" section.
type readmeRequest struct {
	command string // as written, for messages
	method  string
	url     string
	headers []string
	data    string
	hasData bool
}

// key names the request by method and path, without the query.
func (r readmeRequest) key() string {
	u, err := url.Parse(r.url)
	if err != nil {
		return r.method + " " + r.url
	}
	return r.method + " " + u.Path
}

// readmeRequests reads the curl commands of the README's "Trying it"
// section, the requests a new user copies first.
func readmeRequests(t *testing.T) []readmeRequest {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	start := strings.Index(text, "\n## Trying it")
	if start < 0 {
		t.Fatal(`README.md has no "## Trying it" section`)
	}
	section := text[start+1:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	var out []readmeRequest
	for _, block := range shellBlocks(section) {
		commands, err := shellCommands(block)
		if err != nil {
			t.Fatalf("README shell block: %v\n%s", err, block)
		}
		for _, words := range commands {
			if len(words) == 0 || words[0] != "curl" {
				continue
			}
			r, err := parseCurl(words)
			if err != nil {
				t.Fatalf("README: %v: %s", err, strings.Join(words, " "))
			}
			out = append(out, r)
		}
	}
	return out
}

// shellBlocks returns the bodies of the ```sh blocks in markdown.
func shellBlocks(md string) []string {
	var out []string
	for {
		i := strings.Index(md, "```sh\n")
		if i < 0 {
			return out
		}
		md = md[i+len("```sh\n"):]
		j := strings.Index(md, "```")
		if j < 0 {
			return out
		}
		out = append(out, md[:j])
		md = md[j+3:]
	}
}

// shellCommands splits shell text into commands of words the way sh does for
// what the README uses: blanks, single and double quotes, backslash escapes
// and line continuations. Variables stay as written ($ACCESS_TOKEN).
func shellCommands(s string) ([][]string, error) {
	var commands [][]string
	var words []string
	var cur strings.Builder
	inWord := false
	endWord := func() {
		if inWord {
			words = append(words, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s) && s[i+1] == '\n':
			i++ // a continuation: the command goes on
		case c == '\\' && i+1 < len(s):
			cur.WriteByte(s[i+1])
			i++
			inWord = true
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, errors.New("unterminated single quote")
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.ContainsRune(`"\$`+"`", rune(s[i+1])) {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, errors.New("unterminated double quote")
			}
			inWord = true
		case c == '#' && !inWord:
			for i < len(s) && s[i] != '\n' {
				i++
			}
			i-- // the newline ends the command
		case c == '\n':
			endWord()
			if len(words) > 0 {
				commands = append(commands, words)
			}
			words = nil
		case c == ' ' || c == '\t':
			endWord()
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	endWord()
	if len(words) > 0 {
		commands = append(commands, words)
	}
	return commands, nil
}

// parseCurl reads the curl options the README uses.
func parseCurl(words []string) (readmeRequest, error) {
	r := readmeRequest{command: strings.Join(words, " ")}
	for i := 1; i < len(words); i++ {
		w := words[i]
		next := func() (string, error) {
			if i+1 >= len(words) {
				return "", errors.New(w + " without a value")
			}
			i++
			return words[i], nil
		}
		var err error
		switch w {
		case "-s", "--silent":
		case "-H", "--header":
			var h string
			h, err = next()
			r.headers = append(r.headers, h)
		case "-d", "--data":
			r.data, err = next()
			r.hasData = true
		case "-X", "--request":
			r.method, err = next()
		default:
			if strings.HasPrefix(w, "-") {
				return r, errors.New("curl option " + w + " is not understood by the test")
			}
			if r.url != "" {
				return r, errors.New("two URLs")
			}
			r.url = w
		}
		if err != nil {
			return r, err
		}
	}
	if r.url == "" {
		return r, errors.New("no URL")
	}
	if !strings.Contains(r.url, "://") {
		r.url = "http://" + r.url
	}
	if r.method == "" {
		r.method = "GET"
		if r.hasData {
			r.method = "POST"
		}
	}
	return r, nil
}

// request builds the HTTP request curl would send, with the README's
// variables replaced: to the gateway (localhost:8080 in the README) at
// hosts["localhost:8080"], or to the payment sandbox (localhost:9300), as the
// test mesh's ports have an offset.
func (r readmeRequest) request(t *testing.T, hosts, vars map[string]string) *http.Request {
	t.Helper()
	expand := func(s string) string {
		for k, v := range vars {
			s = strings.ReplaceAll(s, "$"+k, v)
		}
		return s
	}
	u, err := url.Parse(expand(r.url))
	if err != nil {
		t.Fatalf("%s: %v", r.command, err)
	}
	host, ok := hosts[u.Host]
	if !ok {
		t.Fatalf("%s: the README's requests go to the gateway at localhost:8080 or the payment sandbox at localhost:9300", r.command)
	}
	u.Scheme, u.Host = "http", host
	var body *strings.Reader
	if r.hasData {
		body = strings.NewReader(expand(r.data))
	} else {
		body = strings.NewReader("")
	}
	req, err := http.NewRequestWithContext(context.Background(), r.method, u.String(), body)
	if err != nil {
		t.Fatal(err)
	}
	if r.hasData {
		// What curl sends with -d unless told otherwise.
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, h := range r.headers {
		name, value, ok := strings.Cut(expand(h), ":")
		if !ok {
			t.Fatalf("%s: header %q", r.command, h)
		}
		req.Header.Set(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	return req
}

// Every request the README's "Trying it" section shows, sent as curl sends
// it to a fresh mesh in the order shown, answers 200 with a non-empty,
// correct answer: what a new user tries first has to work.
func TestReadmeRequests(t *testing.T) {
	base, offset := apiMesh(t)
	c := newClient(t, base, "127.0.0.25")
	vars := map[string]string{}
	hosts := map[string]string{
		"localhost:8080": strings.TrimPrefix(base, "http://"),
		"localhost:9300": addr(paymentSandboxPort, offset),
	}

	checks := map[string]func(t *testing.T, r readmeRequest, res response){
		"POST /v1/auth/login": func(t *testing.T, r readmeRequest, res response) {
			// The buyer signs in first; the supplier later, to ship.
			name := "ACCESS_TOKEN"
			if strings.Contains(r.data, "supplier") {
				name = "SUPPLIER_TOKEN"
			}
			vars[name] = res.str("tokens", "accessToken")
			if vars[name] == "" || res.str("tokens", "refreshToken") == "" {
				t.Fatalf("no tokens: %s", res.Raw)
			}
		},
		"GET /v1/me": func(t *testing.T, _ readmeRequest, res response) {
			if res.str("user", "email") != buyerEmail || res.str("user", "userId") == "" {
				t.Errorf("profile is not the buyer's: %s", res.Raw)
			}
		},
		"POST /v1/me/addresses": func(t *testing.T, _ readmeRequest, res response) {
			if res.str("address", "addressId") == "" || res.str("address", "address", "recipient") != "Ana" ||
				res.str("address", "address", "city") != "Lisboa" || res.str("address", "address", "countryCode") != "PT" {
				t.Errorf("address not created as sent: %s", res.Raw)
			}
		},
		"GET /v1/listings": func(t *testing.T, r readmeRequest, res response) {
			u, _ := url.Parse(r.url)
			locale := u.Query().Get("locale")
			products := res.list("products")
			if len(products) == 0 {
				t.Fatalf("no listings for %s: %s", u.RawQuery, res.Raw)
			}
			// The demo headphones are found by their English words in
			// German, and shown in German.
			if locale == "de" && !hasListing(products, "de", "Kopfhörer") {
				t.Errorf("the German headphones are not among the hits: %s", res.Raw)
			}
			if u.Query().Get("query") == "linen" {
				for _, p := range products {
					if title, _ := p["title"].(string); strings.Contains(title, "Linen T-shirt") {
						vars["PRODUCT_ID"], _ = p["productId"].(string)
					}
				}
				if vars["PRODUCT_ID"] == "" {
					t.Fatalf("the linen T-shirt is not found: %s", res.Raw)
				}
			}
		},
		"GET /v1/listings/$PRODUCT_ID": func(t *testing.T, _ readmeRequest, res response) {
			l, _ := res.Body["listing"].(map[string]any)
			skus, _ := l["skus"].([]any)
			if len(skus) == 0 {
				t.Fatalf("the T-shirt's listing has no SKUs: %s", res.Raw)
			}
			vars["SKU_ID"], _ = skus[0].(map[string]any)["skuId"].(string)
		},
		"PUT /v1/cart/lines/$SKU_ID": func(t *testing.T, _ readmeRequest, res response) {
			if lines := linesOf(res); len(lines) != 1 || lines[0]["skuId"] != vars["SKU_ID"] || lines[0]["problem"] != nil && lines[0]["problem"] != "" {
				t.Fatalf("the cart does not hold the T-shirt, buyable: %s", res.Raw)
			}
		},
		"GET /v1/coupons": func(t *testing.T, _ readmeRequest, res response) {
			for _, c := range res.list("coupons") {
				if at(c, "campaign", "name") == "Welcome to Crossdock" && c["status"] == "COUPON_STATUS_AVAILABLE" {
					vars["COUPON_ID"], _ = c["couponId"].(string)
				}
			}
			if vars["COUPON_ID"] == "" {
				t.Fatalf("the demo buyer holds no welcome coupon: %s", res.Raw)
			}
		},
		"POST /v1/checkouts": func(t *testing.T, _ readmeRequest, res response) {
			vars["ORDER_ID"] = res.str("order", "orderId")
			subs := subOrderIDs(res)
			if vars["ORDER_ID"] == "" || res.str("order", "status") != "ORDER_STATUS_PENDING_PAYMENT" || len(subs) != 1 ||
				res.str("order", "total", "currencyCode") != "EUR" || res.str("order", "paymentDueAt") == "" {
				t.Fatalf("not one pending order in EUR with one sub-order: %s", res.Raw)
			}
			o, _ := res.Body["order"].(map[string]any)
			sub, _ := o["subOrders"].([]any)[0].(map[string]any)
			if sub["freightBreakdown"] == nil || sub["address"] == nil {
				t.Errorf("the T-shirt's sub-order has no freight breakdown or address: %s", res.Raw)
			}
			if minor(sub, "discount", "amountMinor") != 500 || sub["couponId"] != vars["COUPON_ID"] || sub["discountFundedBy"] != "platform" {
				t.Errorf("the welcome coupon took nothing off: %s", res.Raw)
			}
		},
		"POST /v1/orders/$ORDER_ID/pay": func(t *testing.T, _ readmeRequest, res response) {
			if res.str("order", "status") != "ORDER_STATUS_PAID" {
				t.Fatalf("the order is not paid: %s", res.Raw)
			}
		},
		"GET /v1/supplier/sub-orders": func(t *testing.T, _ readmeRequest, res response) {
			for _, sub := range res.list("subOrders") {
				if sub["orderId"] == vars["ORDER_ID"] {
					vars["SUB_ORDER_ID"], _ = sub["subOrderId"].(string)
				}
			}
			if vars["SUB_ORDER_ID"] == "" {
				t.Fatalf("the supplier does not see the paid sub-order: %s", res.Raw)
			}
		},
		"POST /v1/sub-orders/$SUB_ORDER_ID/ship": func(t *testing.T, _ readmeRequest, res response) {
			if res.str("subOrder", "status") != "SUB_ORDER_STATUS_SHIPPED" || res.str("subOrder", "parcel", "waybill") == "" {
				t.Fatalf("the sub-order is not shipped with a waybill: %s", res.Raw)
			}
		},
		"GET /v1/orders/$ORDER_ID": func(t *testing.T, _ readmeRequest, res response) {
			o, _ := res.Body["order"].(map[string]any)
			subs, _ := o["subOrders"].([]any)
			if len(subs) != 1 {
				t.Fatalf("the order has %d sub-orders: %s", len(subs), res.Raw)
			}
			parcel, _ := subs[0].(map[string]any)["parcel"].(map[string]any)
			if parcel["waybill"] == nil || parcel["status"] == nil || parcel["methodName"] == nil {
				t.Errorf("the shipped sub-order shows no parcel with its status and method: %s", res.Raw)
			}
		},
		"POST /v1/freight/estimates": func(t *testing.T, _ readmeRequest, res response) {
			if res.str("basis") != "BASIS_HISTORY" {
				t.Errorf("the seeded lane is not estimated from history: %s", res.Raw)
			}
			if amount := res.str("targetFreight", "amountMinor"); amount == "" || amount == "0" || res.str("targetFreight", "currencyCode") != "USD" {
				t.Errorf("no target freight in USD: %s", res.Raw)
			}
			if amount := res.str("displayFreight", "amountMinor"); amount == "" || amount == "0" || res.str("displayFreight", "currencyCode") != "EUR" {
				t.Errorf("no display freight in the requested EUR: %s", res.Raw)
			}
		},
		"POST /v1/wallet/top-ups": func(t *testing.T, _ readmeRequest, res response) {
			vars["INTENT_ID"], vars["CLIENT_SECRET"] = res.str("topUp", "intentId"), res.str("clientSecret")
			if vars["INTENT_ID"] == "" || vars["CLIENT_SECRET"] == "" || res.str("topUp", "state") != "pending" ||
				res.str("topUp", "amount", "amountMinor") != "5000" || res.str("topUp", "amount", "currencyCode") != "EUR" {
				t.Fatalf("no pending top-up of 50.00 EUR to confirm: %s", res.Raw)
			}
		},
		// At the payment sandbox, as the buyer's client would.
		"POST /v1/payment_intents/$INTENT_ID/confirm": func(t *testing.T, _ readmeRequest, res response) {
			if res.str("status") != "succeeded" || res.str("id") != vars["INTENT_ID"] {
				t.Errorf("the intent did not succeed: %s", res.Raw)
			}
		},
		"GET /v1/logistics/methods": func(t *testing.T, _ readmeRequest, res response) {
			codes := map[string]bool{}
			for _, m := range res.list("methods") {
				code, _ := m["code"].(string)
				codes[code] = true
				if code == "express" {
					vars["METHOD_ID"], _ = m["methodId"].(string)
				}
			}
			for _, want := range []string{"air", "express", "sea", "ground"} {
				if !codes[want] {
					t.Errorf("the carrier simulator's %s method is not offered to Portugal: %s", want, res.Raw)
				}
			}
		},
		"GET /v1/logistics/shipments": func(t *testing.T, _ readmeRequest, res response) {
			found := false
			for _, sh := range res.list("shipments") {
				found = found || sh["subOrderId"] == vars["SUB_ORDER_ID"]
			}
			if !found {
				t.Errorf("the buyer's shipments do not list the T-shirt's parcel: %s", res.Raw)
			}
		},
		"GET /v1/wallet": func(t *testing.T, r readmeRequest, res response) {
			// The webhook credits the wallet a moment after the confirm.
			deadline := time.Now().Add(30 * time.Second)
			for walletHolds(res, "EUR") != "5000" {
				if time.Now().After(deadline) {
					t.Fatalf("the wallet was not credited 50.00 EUR: %s", res.Raw)
				}
				time.Sleep(100 * time.Millisecond)
				res = c.send(r.request(t, hosts, vars))
			}
		},
	}

	requests := readmeRequests(t)
	seen := map[string]bool{}
	for _, r := range requests {
		check, ok := checks[r.key()]
		if !ok {
			t.Errorf("the README shows %s, which this test does not check yet: add a check", r.key())
			continue
		}
		seen[r.key()] = true
		if !t.Run(r.key(), func(t *testing.T) {
			res := c.send(r.request(t, hosts, vars))
			if res.Status != http.StatusOK {
				t.Fatalf("%s\nstatus %d: %s", r.command, res.Status, res.Raw)
			}
			check(t, r, res)
		}) && r.key() == "POST /v1/auth/login" {
			t.Fatal("the later requests need the login's token")
		}
	}
	for key := range checks {
		if !seen[key] {
			t.Errorf("the README no longer shows %s", key)
		}
	}
}

// walletHolds returns the posted balance of a GET /v1/wallet answer in
// currency, or "" when the wallet has none.
func walletHolds(res response, currency string) string {
	for _, b := range res.list("balances") {
		if b["currencyCode"] == currency {
			posted, _ := b["postedMinor"].(string)
			return posted
		}
	}
	return ""
}

// hasListing reports whether a hit in locale has a title containing word.
func hasListing(products []map[string]any, locale, word string) bool {
	for _, p := range products {
		title, _ := p["title"].(string)
		if p["locale"] == locale && strings.Contains(title, word) {
			return true
		}
	}
	return false
}
