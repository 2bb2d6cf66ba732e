package e2e

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

const (
	// demoPartnerCode is the partner simulator's code in docking's registry,
	// where `crossdock up` registers and verifies it.
	demoPartnerCode = "demo-partner"
	// partnerSimPort is the partner simulator's gRPC port (simulators/).
	partnerSimPort = 9302
)

// demoPartner returns the demo partner as the admin lists it.
func demoPartner(t *testing.T, c *restClient, admin string) map[string]any {
	t.Helper()
	for _, p := range c.do("GET", "/v1/docking/partners", admin, nil).must(t, 200, "list partners").list("partners") {
		if p["code"] == demoPartnerCode {
			return p
		}
	}
	t.Fatalf("no partner %s in docking's registry", demoPartnerCode)
	return nil
}

// The mesh docks onto the running partner simulator: `crossdock up`
// registered it and its handshake succeeded. A suspended partner cannot be
// verified; resumed, it is VERIFIED again, and a fresh handshake over the
// wire succeeds. Only admins see the registry.
func TestDockingDemoPartner(t *testing.T) {
	base, offset := apiMesh(t)
	c := newClient(t, base, "127.0.0.61")
	admin, _ := c.login(adminEmail, demoPassword)
	buyer, _ := c.login(buyerEmail, demoPassword)

	p := demoPartner(t, c, admin)
	id, _ := p["partnerId"].(string)
	for field, want := range map[string]any{
		"status":   "PARTNER_STATUS_VERIFIED",
		"protocol": "PARTNER_PROTOCOL_STANDARD_GRPC",
		"endpoint": addr(partnerSimPort, offset),
	} {
		if p[field] != want {
			t.Errorf("demo partner %s = %v, want %v", field, p[field], want)
		}
	}
	if client, _ := p["apiClientId"].(string); client == "" || p["verifiedAt"] == nil {
		t.Errorf("demo partner without an API client or a verification: %v", p)
	}
	path := "/v1/docking/partners/" + id
	// Whatever happens below, the shared mesh keeps a docking partner.
	t.Cleanup(func() { c.do("POST", path+"/resume", admin, map[string]any{}) })

	status := func(r response) string { return r.str("partner", "status") }
	if s := status(c.do("POST", path+"/suspend", admin, map[string]any{}).must(t, 200, "suspend")); s != "PARTNER_STATUS_SUSPENDED" {
		t.Fatalf("suspended partner is %s", s)
	}
	if r := c.do("POST", path+"/verify", admin, map[string]any{}); r.Status != 400 || !strings.Contains(r.Raw, "PARTNER_SUSPENDED") {
		t.Errorf("verify a suspended partner: %d %s, want 400 PARTNER_SUSPENDED", r.Status, r.Raw)
	}
	if s := status(c.do("GET", path, admin, nil).must(t, 200, "get")); s != "PARTNER_STATUS_SUSPENDED" {
		t.Errorf("after a refused verification the partner is %s", s)
	}
	if s := status(c.do("POST", path+"/resume", admin, map[string]any{}).must(t, 200, "resume")); s != "PARTNER_STATUS_VERIFIED" {
		t.Errorf("resumed partner is %s, want VERIFIED", s)
	}
	before, _ := demoPartner(t, c, admin)["verifiedAt"].(string)
	verified := c.do("POST", path+"/verify", admin, map[string]any{}).must(t, 200, "a fresh handshake with the simulator")
	was, err1 := time.Parse(time.RFC3339Nano, before)
	now, err2 := time.Parse(time.RFC3339Nano, verified.str("partner", "verifiedAt"))
	if s := status(verified); s != "PARTNER_STATUS_VERIFIED" || err1 != nil || err2 != nil || !now.After(was) {
		t.Errorf("after a fresh handshake: %s at %v (before %v; %v, %v)", s, now, was, err1, err2)
	}

	for _, route := range []struct{ method, path string }{{"GET", "/v1/docking/partners"}, {"GET", path}, {"POST", path + "/suspend"}} {
		if r := c.do(route.method, route.path, buyer, map[string]any{}); r.Status != 403 {
			t.Errorf("buyer %s %s: %d, want 403: %s", route.method, route.path, r.Status, r.Raw)
		}
	}
	if s, _ := demoPartner(t, c, admin)["status"].(string); s != "PARTNER_STATUS_VERIFIED" {
		t.Errorf("a buyer's calls changed the partner: %s", s)
	}
}

// The authorization matrix of every docking route: admins only (listings:
// admins and suppliers). The matrix
// works on a partner of its own (a REST marketplace, which needs no
// simulator), so the demo partner stays as it is.
func TestDockingAuthorizationMatrix(t *testing.T) {
	base, _ := apiMesh(t)
	c := newClient(t, base, "127.0.0.62")
	tokens := map[string]string{}
	for actor, email := range map[string]string{
		"admin": adminEmail, "buyer": buyerEmail, "supplier": supplierEmail, "merchant": "merchant@demo.crossdock.test",
	} {
		tokens[actor], _ = c.login(email, demoPassword)
	}
	run := time.Now().UnixNano() % 1_000_000_000
	secret := fmt.Sprintf("matrix-app-secret-%d", run)
	create := func(code string) map[string]any {
		return map[string]any{
			"name": "Matrix marketplace", "code": code, "protocol": "PARTNER_PROTOCOL_REST_MARKETPLACE",
			"endpoint": "https://marketplace.example", "locales": []string{"de"}, "commissionBps": 500,
			"credentials": map[string]any{"appKey": "matrix-app-key", "appSecret": secret},
		}
	}
	id := c.do("POST", "/v1/docking/partners", tokens["admin"], create(fmt.Sprintf("matrix-%d", run))).
		must(t, 200, "the matrix's partner").str("partner", "partnerId")
	p := "/v1/docking/partners/" + id
	supplyKey := fmt.Sprintf("matrix-supply-key-%d", run)
	supply := func(code string) map[string]any {
		return map[string]any{
			"code": code, "name": "Matrix supply platform", "endpoint": "https://supply.example",
			"supplierOrgId": uuid.NewString(), "erpClientId": "erp-" + code,
			"erpPrivateKey": base64.StdEncoding.EncodeToString(make([]byte, 32)),
			"defaults": map[string]any{"modelId": uuid.NewString(), "categoryId": uuid.NewString(), "brandId": uuid.NewString(),
				"originCountryCode": "CN", "originRegionCode": "CN-ZJ", "defaultLocale": "zh-CN", "warehouseId": uuid.NewString()},
			"defaultAccount": map[string]any{"accountId": "acc-default", "apiKey": supplyKey},
		}
	}
	sid := c.do("POST", "/v1/docking/supply-platforms", tokens["admin"], supply(fmt.Sprintf("matrix-s-%d", run))).
		must(t, 200, "the matrix's supply platform").str("platform", "platformId")
	sp := "/v1/docking/supply-platforms/" + sid
	// The edit rotates the default account's key: the new one is as
	// write-only as the first.
	rotatedSupplyKey := fmt.Sprintf("matrix-supply-key-rotated-%d", run)
	supplyEdit := map[string]any{"name": "Matrix supply platform, renamed",
		"defaultAccount": map[string]any{"accountId": "acc-default", "apiKey": rotatedSupplyKey}}
	check := func(actor, path string, body any, want []int) authzCheck {
		return authzCheck{actor: actor, path: path, body: body, want: want}
	}
	// The matrix's marketplace does not answer (UNAVAILABLE), and a
	// suspended one cannot be verified at all (FAILED_PRECONDITION); an
	// unverified one cannot be synced (FAILED_PRECONDITION).
	refused := []int{400}
	unreachable := []int{400, 503}
	onlyAdmin := func(path string, body any, adminWant []int) []authzCheck {
		return []authzCheck{check("buyer", path, body, denied), check("supplier", path, body, denied),
			check("merchant", path, body, denied), check("admin", path, body, adminWant)}
	}
	authzMatrix{
		services: []string{"crossdock.docking.v1.DockingService"},
		rows: map[string][]authzCheck{
			"POST /v1/docking/partners": {check("buyer", "", create(fmt.Sprintf("matrix-b-%d", run)), denied),
				check("supplier", "", create(fmt.Sprintf("matrix-s-%d", run)), denied),
				check("merchant", "", create(fmt.Sprintf("matrix-m-%d", run)), denied),
				check("admin", "", create(fmt.Sprintf("matrix-a-%d", run)), ok)},
			"GET /v1/docking/partners":                               onlyAdmin("/v1/docking/partners", nil, ok),
			"GET /v1/docking/partners/{partner_id}":                  onlyAdmin(p, nil, ok),
			"PATCH /v1/docking/partners/{partner_id}":                onlyAdmin(p, map[string]any{"name": "Matrix marketplace, renamed"}, ok),
			"POST /v1/docking/partners/{partner_id}/verify":          onlyAdmin(p+"/verify", map[string]any{}, unreachable),
			"POST /v1/docking/partners/{partner_id}/suspend":         onlyAdmin(p+"/suspend", map[string]any{}, ok),
			"POST /v1/docking/partners/{partner_id}/resume":          onlyAdmin(p+"/resume", map[string]any{}, ok),
			"GET /v1/docking/partners/{partner_id}/activity":         onlyAdmin(p+"/activity", nil, ok),
			"GET /v1/docking/partners/{partner_id}/orders":           onlyAdmin(p+"/orders", nil, ok),
			"GET /v1/docking/partners/{partner_id}/settlement-lines": onlyAdmin(p+"/settlement-lines", nil, ok),
			// The matrix's partner has no settlement lines: an admin's
			// resolution of one is NOT_FOUND.
			"POST /v1/docking/partners/{partner_id}/settlement-lines/{line_id}/resolve": onlyAdmin(p+"/settlement-lines/matrix-no-such-line/resolve",
				map[string]any{"resolution": "SETTLEMENT_LINE_RESOLUTION_DISMISS", "note": "Not an order of ours."}, []int{404}),
			"GET /v1/docking/partners/{partner_id}/payouts": onlyAdmin(p+"/payouts", nil, ok),
			// Nor payouts: an admin's resolution of one is NOT_FOUND.
			"POST /v1/docking/partners/{partner_id}/payouts/{payout_id}/resolve": onlyAdmin(p+"/payouts/matrix-no-such-payout/resolve",
				map[string]any{"note": "Paid out beyond our credits."}, []int{404}),
			"POST /v1/docking/partners/{partner_id}/sync": onlyAdmin(p+"/sync", map[string]any{}, refused),
			// Nor pulled orders: an admin's retry of one is NOT_FOUND.
			"POST /v1/docking/partners/{partner_id}/orders/{partner_order_id}/retry": onlyAdmin(p+"/orders/matrix-no-such-order/retry",
				map[string]any{}, []int{404}),
			"POST /v1/docking/supply-platforms": {check("buyer", "", supply(fmt.Sprintf("matrix-sb-%d", run)), denied),
				check("supplier", "", supply(fmt.Sprintf("matrix-ss-%d", run)), denied),
				check("merchant", "", supply(fmt.Sprintf("matrix-sm-%d", run)), denied),
				check("admin", "", supply(fmt.Sprintf("matrix-sa-%d", run)), ok)},
			"GET /v1/docking/supply-platforms":                        onlyAdmin("/v1/docking/supply-platforms", nil, ok),
			"GET /v1/docking/supply-platforms/{platform_id}":          onlyAdmin(sp, nil, ok),
			"PATCH /v1/docking/supply-platforms/{platform_id}":        onlyAdmin(sp, supplyEdit, ok),
			"GET /v1/docking/supply-platforms/{platform_id}/orders":   onlyAdmin(sp+"/orders", nil, ok),
			"GET /v1/docking/supply-platforms/{platform_id}/products": onlyAdmin(sp+"/products?withProblem=true", nil, ok),
			// The matrix's platform has no orders: an admin's retry of one is
			// NOT_FOUND.
			"POST /v1/docking/supply-platforms/{platform_id}/orders/{sub_order_id}/retry": onlyAdmin(sp+"/orders/"+uuid.NewString()+"/retry",
				map[string]any{}, []int{404}),
			// Listings are the admins' and, for their own products, the
			// suppliers'.
			"GET /v1/docking/listings": {check("buyer", "/v1/docking/listings", nil, denied), check("merchant", "/v1/docking/listings", nil, denied),
				check("supplier", "/v1/docking/listings", nil, ok), check("admin", "/v1/docking/listings", nil, ok)},
		},
		tokens: tokens,
		params: strings.NewReplacer("{partner_id}", id, "{platform_id}", sid, "{line_id}", "matrix-no-such-line", "{partner_order_id}", "matrix-no-such-order",
			"{payout_id}", "matrix-no-such-payout"),
		secrets: []string{secret, supplyKey, rotatedSupplyKey},
	}.run(t, c)

	// Credentials are write-only: not even an admin reads them back.
	for _, path := range []string{p, "/v1/docking/partners", sp, "/v1/docking/supply-platforms"} {
		r := c.do("GET", path, tokens["admin"], nil).must(t, 200, "admin read")
		for _, s := range []string{secret, supplyKey, rotatedSupplyKey} {
			if strings.Contains(r.Raw, s) {
				t.Errorf("GET %s returned a secret: %s", path, r.Raw)
			}
		}
	}
	if name := c.do("GET", sp, tokens["admin"], nil).must(t, 200, "admin read").str("platform", "name"); name != "Matrix supply platform, renamed" {
		t.Errorf("the admin's edit left the supply platform named %q", name)
	}
}
