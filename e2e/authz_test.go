package e2e

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// gatewayRoutes reads the REST routes of one gRPC service (e.g.
// "crossdock.users.v1.UsersService"), or of every service when service is
// "", from proto/gateway.yaml as "METHOD /path/{param}", so a service's
// authorization matrix is checked against the real list.
func gatewayRoutes(t testing.TB, service string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot, "proto", "gateway.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	selector := regexp.MustCompile(`^\s+- selector:\s*(\S+)\.[A-Za-z]+$`)
	verb := regexp.MustCompile(`^\s+(get|post|put|patch|delete):\s*(\S+)`)
	var routes []string
	current := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := selector.FindStringSubmatch(sc.Text()); m != nil {
			current = m[1]
		}
		if m := verb.FindStringSubmatch(sc.Text()); m != nil && (current == service || service == "") {
			routes = append(routes, strings.ToUpper(m[1])+" "+m[2])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return routes
}

// publicRoutes take no token; every other route must refuse an anonymous call.
var publicRoutes = []string{
	"POST /v1/auth/signup", "POST /v1/auth/login", "POST /v1/auth/refresh", "POST /v1/auth/logout", "GET /.well-known/jwks.json",
}

// The authorization matrix of the users service: for every REST route, each
// role may do only what it may, and another user's identifiers are refused without leaking anything
// (403 or 404).
func TestAuthorizationMatrix(t *testing.T) {
	base, _ := apiMesh(t)
	c := newClient(t, base, "127.0.0.15")

	admin, _ := c.login(adminEmail, demoPassword)
	reviewer, _ := c.login("reviewer@demo.crossdock.test", demoPassword)
	translator, _ := c.login("translator@demo.crossdock.test", demoPassword)
	buyerA := c.signUp("ACCOUNT_TYPE_BUYER", "")
	buyerB := c.signUp("ACCOUNT_TYPE_BUYER", "")
	supplier1 := c.signUp("ACCOUNT_TYPE_SUPPLIER", "Matrix Supplier One")
	supplier2 := c.signUp("ACCOUNT_TYPE_SUPPLIER", "Matrix Supplier Two")
	merchant := c.signUp("ACCOUNT_TYPE_MERCHANT", "Matrix Merchant")
	for _, org := range []string{supplier1.OrgID, supplier2.OrgID, merchant.OrgID} {
		c.do("POST", "/v1/organizations/"+org+":approve", admin, map[string]any{}).must(t, 200, "approve "+org)
	}

	addrA := c.do("POST", "/v1/me/addresses", buyerA.Access, address("DE", "DE-BY", "München")).must(t, 200, "A's address").str("address", "addressId")
	erp := c.do("POST", "/v1/api-clients", supplier1.Access, map[string]any{
		"name": "supplier one ERP", "kind": "API_CLIENT_KIND_ERP", "organizationId": supplier1.OrgID,
	}).must(t, 200, "supplier one creates its ERP client").str("client", "clientId")
	pendingOrg := c.signUp("ACCOUNT_TYPE_SUPPLIER", "Matrix Pending").OrgID
	staffBody := member()
	staff := c.do("POST", "/v1/organizations/"+supplier1.OrgID+"/members", supplier1.Access, staffBody).must(t, 200, "supplier one's staff").str("user", "userId")
	staffAccess, _ := c.login(staffBody["email"].(string), testPassword)
	staffPath := "/v1/organizations/" + supplier1.OrgID + "/members/" + staff

	tokens := map[string]string{
		"admin": admin, "reviewer": reviewer, "translator": translator, "buyerA": buyerA.Access, "buyerB": buyerB.Access,
		"supplier1": supplier1.Access, "supplier2": supplier2.Access, "merchant": merchant.Access,
	}
	matrix := map[string][]authzCheck{
		"POST /v1/auth/logout": {
			// Someone else's refresh token: accepted as a no-op (RFC 7009), revoking nothing; checked below.
			{"buyerB", "/v1/auth/logout", map[string]any{"refreshToken": buyerA.Refresh}, ok},
		},
		"POST /v1/signing-keys:rotate": {
			{"buyerA", "", map[string]any{}, denied}, {"reviewer", "", map[string]any{}, denied},
			{"supplier1", "", map[string]any{}, denied}, {"admin", "", map[string]any{}, ok},
		},
		"GET /v1/me":           {{"buyerA", "", nil, ok}, {"reviewer", "", nil, ok}, {"supplier2", "", nil, ok}},
		"PATCH /v1/me":         {{"buyerB", "", map[string]any{"displayName": "B renamed"}, ok}},
		"GET /v1/me/addresses": {{"buyerB", "", nil, ok}},
		"POST /v1/me/addresses": {
			{"buyerB", "", address("US", "US-CA", "Los Angeles"), ok},
		},
		"GET /v1/me/addresses/{address_id}": {
			{"buyerB", "/v1/me/addresses/" + addrA, nil, denied}, {"admin", "/v1/me/addresses/" + addrA, nil, denied},
			{"buyerA", "/v1/me/addresses/" + addrA, nil, ok},
		},
		"PUT /v1/me/addresses/{address_id}": {
			{"buyerB", "/v1/me/addresses/" + addrA, address("FR", "", "Paris")["address"], denied},
		},
		"DELETE /v1/me/addresses/{address_id}": {
			{"buyerB", "/v1/me/addresses/" + addrA, nil, denied}, {"supplier1", "/v1/me/addresses/" + addrA, nil, denied},
		},
		"POST /v1/me/addresses/{address_id}:setDefault": {
			{"buyerB", "/v1/me/addresses/" + addrA + ":setDefault", map[string]any{}, denied},
		},
		"GET /v1/organizations/{organization_id}": {
			{"supplier2", "/v1/organizations/" + supplier1.OrgID, nil, denied},
			{"buyerA", "/v1/organizations/" + supplier1.OrgID, nil, denied},
			{"merchant", "/v1/organizations/" + supplier1.OrgID, nil, denied},
			{"supplier1", "/v1/organizations/" + supplier1.OrgID, nil, ok},
			{"reviewer", "/v1/organizations/" + supplier1.OrgID, nil, ok},
			{"admin", "/v1/organizations/" + supplier1.OrgID, nil, ok},
		},
		"GET /v1/organizations": {
			{"buyerA", "", nil, denied}, {"supplier1", "", nil, denied}, {"merchant", "", nil, denied},
			{"admin", "", nil, ok}, {"reviewer", "", nil, ok},
		},
		"POST /v1/organizations/{organization_id}:approve": {
			{"reviewer", "/v1/organizations/" + pendingOrg + ":approve", map[string]any{}, denied},
			{"supplier1", "/v1/organizations/" + pendingOrg + ":approve", map[string]any{}, denied},
			{"buyerA", "/v1/organizations/" + pendingOrg + ":approve", map[string]any{}, denied},
		},
		"POST /v1/organizations/{organization_id}:reject": {
			{"translator", "/v1/organizations/" + pendingOrg + ":reject", map[string]any{"reason": "no"}, denied},
			{"supplier2", "/v1/organizations/" + pendingOrg + ":reject", map[string]any{"reason": "no"}, denied},
			{"admin", "/v1/organizations/" + pendingOrg + ":reject", map[string]any{"reason": "documents missing"}, ok},
		},
		"POST /v1/organizations/{organization_id}/members": {
			{"supplier2", "/v1/organizations/" + supplier1.OrgID + "/members", member(), denied},
			{"buyerA", "/v1/organizations/" + supplier1.OrgID + "/members", member(), denied},
			{"supplier1", "/v1/organizations/" + supplier1.OrgID + "/members", member(), ok},
		},
		"DELETE /v1/organizations/{organization_id}/members/{user_id}": {
			{"supplier2", staffPath, nil, denied}, {"buyerA", staffPath, nil, denied}, {"admin", staffPath, nil, denied},
			{"supplier1", "/v1/organizations/" + supplier1.OrgID + "/members/" + supplier1.ID, nil, []int{400}}, // the owner itself
			{"supplier1", staffPath, nil, ok},
		},
		"POST /v1/operators": {
			{"reviewer", "", operator(), denied}, {"buyerA", "", operator(), denied}, {"admin", "", operator(), ok},
		},
		"POST /v1/merchant-tiers": {
			{"merchant", "", tier("m"), denied}, {"reviewer", "", tier("r"), denied}, {"admin", "", tier("a"), ok},
		},
		"GET /v1/merchant-tiers": {{"merchant", "", nil, ok}, {"buyerA", "", nil, ok}},
		"PUT /v1/organizations/{organization_id}/merchant-tier": {
			{"merchant", "/v1/organizations/" + merchant.OrgID + "/merchant-tier", map[string]any{"tierCode": "standard"}, denied},
			{"supplier1", "/v1/organizations/" + merchant.OrgID + "/merchant-tier", map[string]any{"tierCode": "standard"}, denied},
			{"admin", "/v1/organizations/" + merchant.OrgID + "/merchant-tier", map[string]any{"tierCode": "standard"}, ok},
		},
		"POST /v1/api-clients": {
			{"buyerA", "", apiClient("API_CLIENT_KIND_ERP", supplier1.OrgID), denied},
			{"supplier2", "", apiClient("API_CLIENT_KIND_ERP", supplier1.OrgID), denied},
			{"supplier1", "", apiClient("API_CLIENT_KIND_PARTNER", ""), denied},
			{"supplier1", "", apiClient("API_CLIENT_KIND_SERVICE", ""), denied},
			{"admin", "", apiClient("API_CLIENT_KIND_PARTNER", ""), ok},
		},
		"GET /v1/api-clients": {{"supplier2", "", nil, ok}, {"supplier1", "", nil, ok}},
		"POST /v1/api-clients/{client_id}:disable": {
			{"supplier2", "/v1/api-clients/" + erp + ":disable", map[string]any{}, denied},
			{"buyerA", "/v1/api-clients/" + erp + ":disable", map[string]any{}, denied},
		},
		"POST /v1/api-clients/{client_id}:rotateSecret": {
			{"supplier2", "/v1/api-clients/" + erp + ":rotateSecret", map[string]any{}, denied},
			{"merchant", "/v1/api-clients/" + erp + ":rotateSecret", map[string]any{}, denied},
			{"supplier1", "/v1/api-clients/" + erp + ":rotateSecret", map[string]any{}, ok},
		},
	}

	authzMatrix{
		services: []string{"crossdock.users.v1.UsersService"},
		public:   publicRoutes,
		rows:     matrix,
		tokens:   tokens,
		params:   strings.NewReplacer("{address_id}", addrA, "{organization_id}", supplier1.OrgID, "{client_id}", erp, "{user_id}", staff),
		secrets:  []string{"E2E Recipient"},
	}.run(t, c)

	// The staff member removed: its access token is refused at once, not
	// when it expires (the gateway follows the revoked sessions).
	waitFor(t, "the removed member's access token refused", 30*time.Second, func() (bool, string) {
		r := c.do("GET", "/v1/me", staffAccess, nil)
		return r.Status == 401, r.Raw
	})

	// Nothing the refused calls tried took effect.
	got := c.do("GET", "/v1/me/addresses/"+addrA, buyerA.Access, nil).must(t, 200, "A's address survives")
	if got.str("address", "address", "city") != "München" {
		t.Errorf("A's address was changed: %s", got.Raw)
	}
	for _, a := range c.do("GET", "/v1/me/addresses", buyerB.Access, nil).list("addresses") {
		if a["addressId"] == addrA {
			t.Error("B's address list shows A's address")
		}
	}
	c.do("POST", "/v1/auth/refresh", "", map[string]any{"refreshToken": buyerA.Refresh}).must(t, 200, "A's refresh token after B's logout with it")
	for _, cl := range c.do("GET", "/v1/api-clients", supplier2.Access, nil).list("clients") {
		if cl["clientId"] == erp {
			t.Error("supplier two sees supplier one's ERP client")
		}
	}
	if org := c.do("GET", "/v1/organizations/"+pendingOrg, admin, nil).str("organization", "status"); org != "ORGANIZATION_STATUS_REJECTED" {
		t.Errorf("pending organization is %s after the refused approvals and the admin's rejection", org)
	}
}

func member() map[string]any {
	return map[string]any{"email": uniqueEmail("staff"), "password": testPassword, "displayName": "Staff"}
}

func operator() map[string]any {
	return map[string]any{"email": uniqueEmail("op"), "password": testPassword, "displayName": "Op", "role": "OPERATOR_ROLE_TRANSLATOR"}
}

func tier(prefix string) map[string]any {
	return map[string]any{"code": prefix + "-" + strings.ToLower(uniqueEmail("t")[2:8]), "name": "Tier " + prefix, "rank": len(prefix)*1000 + int(uniqueEmail("r")[2]%97)}
}

func apiClient(kind, org string) map[string]any {
	return map[string]any{"name": "client " + kind, "kind": kind, "organizationId": org}
}
