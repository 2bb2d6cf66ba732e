package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// hostileSegments, hostileValues and hostileBodies are what an attacker
// probes a JSON API with: NUL bytes, invalid UTF-8, text-direction
// overrides, numbers too large, wrong types, deep nesting, broken JSON.
var (
	hostileSegments = []string{"\x00", "a\x00b", "\xff", "\xc3", "\u202Eexe.txt", "\u2066x", "99999999999999999999999",
		"../..", "%", "x:y", strings.Repeat("a", 5000)}
	hostileValues = []string{"head\x00phones", "\xff", "\u202E", "-1", "99999999999999999999999", "1e309", "true", "[]", "{}"}
	hostileBodies = []string{
		`{"x":"\u0000"}`, "{\"name\":\"\xff\"}", "\x00", "\xff\xfe", `{"name":"\u202Eevil"}`,
		`{"amountMinor":99999999999999999999999}`, `{"weightG":"heavy"}`, `{"pageSize":1.5}`,
		`{"records":[{"shipmentId":"\u0000"}]}`, `{"address":{"countryCode":7}}`, `{"lines":{"lines":"x"}}`,
		strings.Repeat("[", 10000), strings.Repeat(`{"a":`, 200) + "1" + strings.Repeat("}", 200),
		`[]`, `null`, `"text"`, `{`, `{"email":`, `{"display_name":{"nested":true}}`, `{"accountType":"ROOT"}`,
	}
)

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// gatewayFuzz is the mesh, its REST routes and tokens for each kind of caller.
type gatewayFuzz struct {
	base   string
	routes []string
	tokens []string // "" for an anonymous caller
	http   *http.Client
}

func newGatewayFuzz(t testing.TB) *gatewayFuzz {
	t.Helper()
	base, _ := apiMesh(t)
	c := newClient(t, base, "127.0.0.16")
	admin, _ := c.login(adminEmail, demoPassword)
	buyer := c.signUp("ACCOUNT_TYPE_BUYER", "")
	supplier := c.signUp("ACCOUNT_TYPE_SUPPLIER", "Fuzz Supplier")
	return &gatewayFuzz{
		base: base, routes: gatewayRoutes(t, ""),
		tokens: []string{"", buyer.Access, supplier.Access, admin},
		http:   &http.Client{Timeout: 20 * time.Second},
	}
}

// send calls one route with segment in every path parameter, value in the
// usual query parameters and, unless the method takes none, body.
func (g *gatewayFuzz) send(route, token, segment, value, body string) (int, string, error) {
	method, path, _ := strings.Cut(route, " ")
	if segment == "" {
		segment = "x"
	}
	path = pathParam.ReplaceAllLiteralString(path, url.PathEscape(segment))
	q := url.Values{"query": {value}, "locale": {value}, "page.page_size": {value}, "page.page_token": {value}}
	if method == http.MethodGet || method == http.MethodDelete {
		body = ""
	}
	return g.do(method, path+"?"+q.Encode(), token, body)
}

// do sends one request and reads the whole answer.
func (g *gatewayFuzz) do(method, target, token, body string) (int, string, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, g.base+target, rd)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := g.http.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw), err
}

// FuzzGatewayRoutes sends hostile path segments, query values and bodies to
// every REST route of the gateway, as every kind of caller, against the real
// services: no input may answer 500 or show a parser's or gRPC's internals.
// `go test` runs the seed corpus (every route with every kind of hostile
// input); `go test -fuzz FuzzGatewayRoutes` explores further (on a mesh of
// its own: it writes through the admin's token).
func FuzzGatewayRoutes(f *testing.F) {
	g := newGatewayFuzz(f)
	for i := range g.routes {
		for j := range max(len(hostileSegments), len(hostileValues), len(hostileBodies)) {
			f.Add(uint16(i), uint8(j),
				hostileSegments[j%len(hostileSegments)], hostileValues[j%len(hostileValues)], hostileBodies[j%len(hostileBodies)])
		}
	}
	f.Fuzz(func(t *testing.T, routeIndex uint16, callerIndex uint8, segment, value, body string) {
		route := g.routes[int(routeIndex)%len(g.routes)]
		token := g.tokens[int(callerIndex)%len(g.tokens)]
		status, answer, err := g.send(route, token, segment, value, body)
		if err != nil {
			t.Fatalf("%s: %v", route, err)
		}
		if status >= 500 {
			t.Fatalf("%s (segment %q, value %q, body %.80q) answered %d: %s", route, segment, value, body, status, answer)
		}
		for _, leak := range []string{"proto:", "syntax error", "grpc:", "SQLSTATE", "invalid byte sequence"} {
			if strings.Contains(answer, leak) {
				t.Fatalf("%s answered %d leaking %q: %s", route, status, leak, answer)
			}
		}
	})
}

// The probes that found 500s: each now answers 400 naming the field.
func TestHostileStringsAreRefusedWithTheField(t *testing.T) {
	g := newGatewayFuzz(t)
	admin := g.tokens[3]
	for _, tt := range []struct {
		name, route, token, segment, value, body string
		field                                    string
	}{
		{"NUL in a search", "GET /v1/listings", "", "", "head\x00phones", "", "query"},
		{"invalid UTF-8 in a path", "GET /v1/listings/{product_id}", "", "\xff", "", "", "productId"},
		{"NUL in an API client id", "POST /v1/api-clients/{client_id}:disable", admin, "\x00", "", "{}", "clientId"},
		{"NUL in an imported shipment id", "POST /v1/freight/shipments:import", admin, "", "", `{"records":[{"shipmentId":"a\u0000b"}]}`,
			"records[0].shipmentId"},
		{"direction override in a name", "POST /v1/auth/signup", "", "", "", `{"email":"x@e2e.crossdock.test","password":"correct horse battery staple","displayName":"\u202Enimda","accountType":"ACCOUNT_TYPE_BUYER"}`,
			"displayName"},
		{"wrong type in a body", "POST /v1/freight/estimates", admin, "", "",
			`{"parcel":{"volumeCm3":3000,"declaredValue":{"currencyCode":"USD","amountMinor":"many"}}}`, "parcel.declaredValue.amountMinor"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			method, path, _ := strings.Cut(tt.route, " ")
			path = pathParam.ReplaceAllLiteralString(path, url.PathEscape(tt.segment))
			if tt.value != "" {
				path += "?" + url.Values{"query": {tt.value}}.Encode()
			}
			status, answer, err := g.do(method, path, tt.token, tt.body)
			if err != nil {
				t.Fatal(err)
			}
			var e struct {
				Details []struct {
					FieldViolations []struct{ Field string } `json:"fieldViolations"`
				} `json:"details"`
			}
			_ = json.Unmarshal([]byte(answer), &e)
			var fields []string
			for _, d := range e.Details {
				for _, v := range d.FieldViolations {
					fields = append(fields, v.Field)
				}
			}
			if status != http.StatusBadRequest || len(fields) == 0 || fields[0] != tt.field {
				t.Errorf("answered %d with fields %v, want 400 naming %s: %s", status, fields, tt.field, answer)
			}
		})
	}
}
