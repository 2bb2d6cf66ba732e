package e2e

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/auth"
)

// adminEmail and demoPassword are the bootstrap admin `crossdock up` seeds.
const (
	adminEmail   = "admin@demo.crossdock.test"
	demoPassword = "crossdock-demo-2026"
)

func address(country, region, city string) map[string]any {
	return map[string]any{"address": map[string]any{
		"recipient": "E2E Recipient", "phone": "+4915112345678", "countryCode": country, "regionCode": region,
		"city": city, "postcode": "10001", "lines": []string{"1 Test Street"},
	}}
}

// kidOf reads the key id from a JWT's header.
func kidOf(t *testing.T, token string) string {
	t.Helper()
	head, _, _ := strings.Cut(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		t.Fatalf("token header: %v", err)
	}
	var h struct{ Kid string }
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	return h.Kid
}

// refreshReuseGrace is the users service's REFRESH_REUSE_GRACE in the
// shared mesh: shorter than its default, for the test waits it out.
const refreshReuseGrace = 2 * time.Second

// The journey of the identity issue, through the gateway against the running
// mesh: sign up, log in, read the profile, add two addresses, switch the
// default, refresh (twice at once, as two tabs do), reuse of a spent refresh
// token past its grace revokes the family, a token from an unknown key is
// rejected, and after a key rotation old tokens still verify while new ones
// are signed by the new key.
func TestIdentityJourneyThroughTheGateway(t *testing.T) {
	base, _ := apiMesh(t)
	c := newClient(t, base, "127.0.0.11")

	buyer := c.signUp("ACCOUNT_TYPE_BUYER", "")
	me := c.do("GET", "/v1/me", buyer.Access, nil).must(t, 200, "read own profile")
	if me.str("user", "email") != buyer.Email || me.str("user", "userId") != buyer.ID {
		t.Fatalf("profile %s", me.Raw)
	}
	if roles, _ := me.Body["user"].(map[string]any)["roles"].([]any); !slices.Contains(roles, any("buyer")) {
		t.Errorf("roles %v", roles)
	}

	first := c.do("POST", "/v1/me/addresses", buyer.Access, address("DE", "DE-BY", "München")).must(t, 200, "first address")
	second := c.do("POST", "/v1/me/addresses", buyer.Access, address("US", "US-NY", "New York")).must(t, 200, "second address")
	firstID, secondID := first.str("address", "addressId"), second.str("address", "addressId")
	if def, _ := first.Body["address"].(map[string]any)["isDefault"].(bool); !def {
		t.Errorf("the first address is not the default: %s", first.Raw)
	}
	c.do("POST", "/v1/me/addresses/"+secondID+":setDefault", buyer.Access, map[string]any{}).must(t, 200, "switch default")
	list := c.do("GET", "/v1/me/addresses", buyer.Access, nil).must(t, 200, "list addresses")
	defaults := map[string]bool{}
	for _, a := range list.list("addresses") {
		id, _ := a["addressId"].(string)
		isDefault, _ := a["isDefault"].(bool)
		defaults[id] = isDefault
	}
	if len(defaults) != 2 || !defaults[secondID] || defaults[firstID] {
		t.Errorf("defaults after the switch: %v (want only %s)", defaults, secondID)
	}

	refreshed := c.do("POST", "/v1/auth/refresh", "", map[string]any{"refreshToken": buyer.Refresh}).must(t, 200, "refresh")
	nextRefresh := refreshed.str("tokens", "refreshToken")
	if nextRefresh == "" || nextRefresh == buyer.Refresh || refreshed.str("tokens", "accessToken") == "" {
		t.Fatalf("refresh returned %s", refreshed.Raw)
	}
	// A second tab refreshing the same token at once gets a pair of its own.
	otherTab := c.do("POST", "/v1/auth/refresh", "", map[string]any{"refreshToken": buyer.Refresh}).must(t, 200, "the same token again within its grace")
	if tok := otherTab.str("tokens", "refreshToken"); tok == "" || tok == nextRefresh {
		t.Fatalf("the second tab's refresh returned %s", otherTab.Raw)
	}
	time.Sleep(refreshReuseGrace)
	c.do("POST", "/v1/auth/refresh", "", map[string]any{"refreshToken": buyer.Refresh}).must(t, 401, "reuse of a spent refresh token")
	c.do("POST", "/v1/auth/refresh", "", map[string]any{"refreshToken": nextRefresh}).must(t, 401, "the family is revoked after reuse")

	// Signing out takes the refresh token alone: an app whose access token
	// expired still ends its session.
	_, leaving := c.login(buyer.Email, testPassword)
	c.do("POST", "/v1/auth/logout", "", map[string]any{"refreshToken": leaving}).must(t, 200, "log out without an access token")
	c.do("POST", "/v1/auth/refresh", "", map[string]any{"refreshToken": leaving}).must(t, 401, "refresh after logging out")

	stranger, err := auth.NewSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	forged, err := auth.Sign(stranger, auth.Caller{Subject: buyer.ID, Kind: auth.KindUser, Roles: []string{auth.RoleAdmin}}, time.Minute, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c.do("GET", "/v1/me", forged, nil).must(t, 401, "token signed by an unknown key")

	before, _ := c.login(buyer.Email, testPassword)
	admin, _ := c.login(adminEmail, demoPassword)
	rotated := c.do("POST", "/v1/signing-keys:rotate", admin, map[string]any{}).must(t, 200, "rotate the signing key")
	newKid := rotated.str("kid")
	if newKid == "" || newKid == kidOf(t, before) {
		t.Fatalf("rotation gave kid %q, the old token has %q", newKid, kidOf(t, before))
	}
	c.do("GET", "/v1/me", before, nil).must(t, 200, "a token signed before the rotation")
	after, _ := c.login(buyer.Email, testPassword)
	if kidOf(t, after) != newKid {
		t.Errorf("a new token is signed by %q, want the new key %q", kidOf(t, after), newKid)
	}
	// The gateway learns the new key on first sight (at most one refetch per
	// few seconds), so the new token verifies within that bound.
	deadline := time.Now().Add(15 * time.Second)
	for c.do("GET", "/v1/me", after, nil).Status != 200 {
		if time.Now().After(deadline) {
			t.Fatal("a token signed by the new key is still rejected")
		}
		time.Sleep(250 * time.Millisecond)
	}
	jwks := c.do("GET", "/.well-known/jwks.json", "", nil).must(t, 200, "JWKS")
	var kids []string
	for _, k := range jwks.list("keys") {
		kid, _ := k["kid"].(string)
		kids = append(kids, kid)
	}
	if !slices.Contains(kids, newKid) || !slices.Contains(kids, kidOf(t, before)) {
		t.Errorf("JWKS kids %v lack the old or the new key", kids)
	}
}

// Bad input is refused with 400 and field violations, and nothing is written.
func TestBadInputIsRefusedAndChangesNothing(t *testing.T) {
	base, _ := apiMesh(t)
	c := newClient(t, base, "127.0.0.12")
	email := uniqueEmail("bad")
	signups := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"malformed e-mail", map[string]any{"email": "not-an-email", "password": testPassword, "displayName": "X", "accountType": "ACCOUNT_TYPE_BUYER"}, "email"},
		{"short password", map[string]any{"email": email, "password": "short", "displayName": "X", "accountType": "ACCOUNT_TYPE_BUYER"}, "password"},
		{"password holds the e-mail", map[string]any{"email": email, "password": strings.Split(email, "@")[0] + "-long-enough", "displayName": "X", "accountType": "ACCOUNT_TYPE_BUYER"}, "password"},
		{"missing account type", map[string]any{"email": email, "password": testPassword, "displayName": "X"}, "accountType"},
		{"missing display name", map[string]any{"email": email, "password": testPassword, "accountType": "ACCOUNT_TYPE_BUYER"}, "displayName"},
		{"supplier without organization", map[string]any{"email": email, "password": testPassword, "displayName": "X", "accountType": "ACCOUNT_TYPE_SUPPLIER"}, "organizationName"},
	}
	for _, tt := range signups {
		t.Run("sign-up/"+tt.name, func(t *testing.T) {
			r := c.do("POST", "/v1/auth/signup", "", tt.body).must(t, 400, tt.name)
			if fv := r.fieldViolations(); !slices.Contains(fv, tt.field) {
				t.Errorf("field violations %v, want %q", fv, tt.field)
			}
		})
	}
	// None of them created the account: the address is still free.
	c.do("POST", "/v1/auth/login", "", map[string]any{"email": email, "password": testPassword}).must(t, 401, "log in to a refused account")

	buyer := c.signUp("ACCOUNT_TYPE_BUYER", "")
	addresses := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"unknown country", address("ZZ", "", "Nowhere"), "address.countryCode"},
		{"region of another country", address("DE", "US-NY", "Berlin"), "address.regionCode"},
		{"unknown region", address("DE", "DE-XX", "Berlin"), "address.regionCode"},
		{"missing recipient", map[string]any{"address": map[string]any{"phone": "+4915112345678", "countryCode": "DE", "city": "Berlin", "lines": []string{"x"}}}, "address.recipient"},
		{"bad phone", map[string]any{"address": map[string]any{"recipient": "R", "phone": "12345", "countryCode": "DE", "city": "Berlin", "lines": []string{"x"}}}, "address.phone"},
	}
	for _, tt := range addresses {
		t.Run("address/"+tt.name, func(t *testing.T) {
			r := c.do("POST", "/v1/me/addresses", buyer.Access, tt.body).must(t, 400, tt.name)
			if fv := r.fieldViolations(); !slices.Contains(fv, tt.field) {
				t.Errorf("field violations %v, want %q", fv, tt.field)
			}
		})
	}
	t.Run("oversized body", func(t *testing.T) {
		huge := `{"displayName":"` + strings.Repeat("x", 2<<20) + `"}`
		r := c.do("PATCH", "/v1/me", buyer.Access, huge).must(t, 400, "oversized body")
		if fv := r.fieldViolations(); !slices.Contains(fv, "body") {
			t.Errorf("field violations %v, want body", fv)
		}
	})
	if n := len(c.do("GET", "/v1/me/addresses", buyer.Access, nil).must(t, 200, "list").list("addresses")); n != 0 {
		t.Errorf("%d addresses written by refused requests", n)
	}
	if name := c.do("GET", "/v1/me", buyer.Access, nil).str("user", "displayName"); name != "E2E ACCOUNT_TYPE_BUYER" {
		t.Errorf("display name changed to %q by a refused request", name)
	}
}

// A login flood from one address gets 429s with Retry-After, while a client
// at another address still logs in.
func TestLoginFloodIsLimitedPerClientAddress(t *testing.T) {
	base, _ := apiMesh(t)
	flooder := newClient(t, base, "127.0.0.13")
	other := newClient(t, base, "127.0.0.14")
	victim := other.signUp("ACCOUNT_TYPE_BUYER", "")

	// Only the gateway's refusals count: the users service throttles the
	// wrong password's account and address too (TOO_MANY_ATTEMPTS, also a
	// 429), which would fill the count without any limit at the edge. The
	// mesh's credential limit is a burst of 40 refilled 5 a second: about
	// 35 of the 80 are refused at the edge when the flood takes a second.
	limited := 0
	for range 80 {
		r := flooder.do("POST", "/v1/auth/login", "", map[string]any{"email": victim.Email, "password": "wrong password!!"})
		if r.Status == 429 {
			if r.Header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
			if errorReason(r) != "TOO_MANY_ATTEMPTS" {
				limited++
			}
		}
	}
	if limited < 10 {
		t.Errorf("only %d of 80 flood requests were limited at the gateway", limited)
	}
	access, _ := other.login(victim.Email, testPassword)
	if access == "" {
		t.Error("the other client could not log in during the flood")
	}
}
