package httpapi_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/crossdock/crossdock/gen/openapi"
	"github.com/crossdock/crossdock/services/gateway/internal/httpapi"
)

// restRule is one REST mapping of proto/gateway.yaml.
type restRule struct {
	operationID, method, path string
	hasBody                   bool
}

var (
	selectorLine = regexp.MustCompile(`^\s*- selector: crossdock\.\w+\.v1\.(\w+)\.(\w+)\s*$`)
	verbLine     = regexp.MustCompile(`^\s*(get|post|put|patch|delete): (\S+)\s*$`)
	bodyLine     = regexp.MustCompile(`^\s*body: "`)
	pathParam    = regexp.MustCompile(`\{[^}]+\}`)
)

// gatewayRules reads the REST rules of proto/gateway.yaml: a selector line, its verb
// and path, and whether a body is mapped.
func gatewayRules(t *testing.T) []restRule {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "proto", "gateway.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var rules []restRule
	for line := range strings.SplitSeq(string(raw), "\n") {
		if m := selectorLine.FindStringSubmatch(line); m != nil {
			rules = append(rules, restRule{operationID: m[1] + "_" + m[2]})
			continue
		}
		if len(rules) == 0 {
			continue
		}
		last := &rules[len(rules)-1]
		if m := verbLine.FindStringSubmatch(line); m != nil {
			last.method, last.path = m[1], m[2]
		} else if bodyLine.MatchString(line) {
			last.hasBody = true
		}
	}
	if len(rules) < 50 {
		t.Fatalf("read %d rules from proto/gateway.yaml; the parser no longer fits the file", len(rules))
	}
	return rules
}

// operation is what the test reads of one operation of the document.
type operation struct {
	OperationID string                     `json:"operationId"`
	Summary     string                     `json:"summary"`
	Tags        []string                   `json:"tags"`
	Security    *[]map[string][]string     `json:"security"`
	Responses   map[string]json.RawMessage `json:"responses"`
	Parameters  []parameter                `json:"parameters"`
	RequestBody *struct {
		Content map[string]struct {
			Schema  json.RawMessage `json:"schema"`
			Example any             `json:"example"`
		} `json:"content"`
	} `json:"requestBody"`
}

// parameter is what the test reads of one parameter of an operation.
type parameter struct {
	Name    string `json:"name"`
	In      string `json:"in"`
	Style   string `json:"style"`
	Explode *bool  `json:"explode"`
	Schema  struct {
		Type string `json:"type"`
	} `json:"schema"`
}

type document struct {
	OpenAPI string `json:"openapi"`
	Tags    []struct {
		Name, Description string
	} `json:"tags"`
	Paths map[string]map[string]json.RawMessage `json:"paths"`
}

// documentOperations returns the document's operations by operationId, with their
// method and path.
func documentOperations(t *testing.T) (document, map[string]restRule, map[string]operation) {
	t.Helper()
	var doc document
	if err := json.Unmarshal(openapi.Document, &doc); err != nil {
		t.Fatal(err)
	}
	routes, ops := map[string]restRule{}, map[string]operation{}
	for path, item := range doc.Paths {
		for method, raw := range item {
			if method == "parameters" {
				continue
			}
			var op operation
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			if _, dup := ops[op.OperationID]; dup {
				t.Errorf("operationId %s is used twice", op.OperationID)
			}
			routes[op.OperationID] = restRule{operationID: op.OperationID, method: method, path: path, hasBody: op.RequestBody != nil}
			ops[op.OperationID] = op
		}
	}
	return doc, routes, ops
}

// webhookRoutes are served by the gateway's own handlers, not through
// gateway.yaml, and documented in proto/openapi-v3.yaml.
var webhookRoutes = map[string]string{
	"WalletService_HandleProviderWebhook":   httpapi.ProviderWebhookRoute,
	"LogisticsService_HandleCarrierWebhook": httpapi.CarrierWebhookRoute,
}

// TestDocumentHasEveryRoute checks the OpenAPI 3.1 document against
// proto/gateway.yaml and the gateway's own routes: every route is there, at its
// method and path, with its body, its answer and its errors, and nothing else is.
func TestDocumentHasEveryRoute(t *testing.T) {
	_, routes, _ := documentOperations(t)
	want := map[string]restRule{}
	for _, r := range gatewayRules(t) {
		want[r.operationID] = r
	}
	for id, route := range webhookRoutes {
		method, path, _ := strings.Cut(route, " ")
		want[id] = restRule{operationID: id, method: strings.ToLower(method), path: path, hasBody: true}
	}
	for id, w := range want {
		got, ok := routes[id]
		if !ok {
			t.Errorf("%s (%s %s) is not in the document", id, w.method, w.path)
			continue
		}
		// Path parameters are named in JSON case in the document.
		if got.method != w.method || pathParam.ReplaceAllString(got.path, "{}") != pathParam.ReplaceAllString(w.path, "{}") {
			t.Errorf("%s: document has %s %s, gateway serves %s %s", id, got.method, got.path, w.method, w.path)
		}
		if got.hasBody != w.hasBody {
			t.Errorf("%s: request body in the document %v, in gateway.yaml %v", id, got.hasBody, w.hasBody)
		}
	}
	for id, got := range routes {
		if _, ok := want[id]; !ok {
			t.Errorf("%s (%s %s) is in the document but the gateway does not serve it", id, got.method, got.path)
		}
	}
}

// TestDocumentOperationsAreComplete checks what a frontend developer reads of each
// operation: a summary, one area, the answer's schema, an example of the body, the
// error answers, and a security requirement that matches the gateway's public routes.
func TestDocumentOperationsAreComplete(t *testing.T) {
	doc, routes, ops := documentOperations(t)
	if doc.OpenAPI != "3.1.1" {
		t.Errorf("openapi = %q, want 3.1.1", doc.OpenAPI)
	}
	var areas []string
	for _, tag := range doc.Tags {
		if tag.Description == "" {
			t.Errorf("tag %s has no description", tag.Name)
		}
		areas = append(areas, tag.Name)
	}
	for _, want := range []string{"identity", "catalog", "inventory", "freight", "finance", "orders", "logistics", "docking"} {
		if !slices.Contains(areas, want) {
			t.Errorf("no tag for the area %s", want)
		}
	}
	for id, op := range ops {
		t.Run(id, func(t *testing.T) {
			route := routes[id]
			if op.Summary == "" {
				t.Error("no summary")
			}
			if len(op.Tags) != 1 || !slices.Contains(areas, op.Tags[0]) {
				t.Errorf("tags %v, want one area", op.Tags)
			}
			if _, ok := op.Responses["200"]; !ok {
				t.Error("no 200 answer")
			}
			// A concrete path, as a client would call it, to ask the gateway's list.
			concrete := pathParam.ReplaceAllString(route.path, "x1")
			public := httpapi.PublicRoutes.Match(strings.ToUpper(route.method), concrete)
			documentedPublic := op.Security != nil && len(*op.Security) == 0
			if public != documentedPublic {
				t.Errorf("public at the gateway %v, in the document %v", public, documentedPublic)
			}
			wantErrors := []string{"400", "429", "503", "default"}
			if !public {
				wantErrors = append(wantErrors, "401", "403")
			}
			// Public, but refusing a wrong password or refresh token with 401.
			if id == "UsersService_Login" || id == "UsersService_Refresh" {
				wantErrors = append(wantErrors, "401")
			}
			for _, code := range wantErrors {
				if _, ok := op.Responses[code]; !ok {
					t.Errorf("no %s answer", code)
				}
			}
			if op.RequestBody != nil {
				media, ok := op.RequestBody.Content["application/json"]
				if !ok || len(media.Schema) == 0 {
					t.Error("the request body has no JSON schema")
				}
				if media.Example == nil {
					t.Error("the request body has no example")
				}
			}
		})
	}
}

// queryName is a query parameter as grpc-gateway reads it: a field path.
var queryName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$`)

// TestDocumentQueryParametersAreSendable checks that each query parameter names
// a field path a client can send. protoc-gen-openapiv2 writes a map field as a
// parameter literally named "specValues[string]"; the document describes it as
// one object parameter in deepObject style (specValues[colour]=red), which is
// what grpc-gateway reads and what openapi-fetch sends for an object.
func TestDocumentQueryParametersAreSendable(t *testing.T) {
	_, routes, ops := documentOperations(t)
	maps := 0
	for id, op := range ops {
		for _, p := range op.Parameters {
			if p.In != "query" {
				continue
			}
			if !queryName.MatchString(p.Name) {
				t.Errorf("%s %s: query parameter %q is no field path", routes[id].method, routes[id].path, p.Name)
			}
			if p.Schema.Type == "object" {
				maps++
				if p.Style != "deepObject" || p.Explode == nil || !*p.Explode {
					t.Errorf("%s %s: map parameter %s has style %q, explode %v; want deepObject, true",
						routes[id].method, routes[id].path, p.Name, p.Style, p.Explode)
				}
			}
		}
	}
	if maps == 0 {
		t.Error("no map query parameter (GET /v1/listings filters by specValues)")
	}
}

// The Idempotency-Key header is declared on the operations whose service
// reads it (those whose body has idempotencyKey) and on no other: a client
// that sends it elsewhere would think a retry safe that is not. Before, no
// operation declared it, and the document said it applied to every command
// moving money or stock, checkouts included, which read their body's
// checkoutId only.
func TestIdempotencyKeyHeaderIsDeclaredWhereItIsRead(t *testing.T) {
	_, _, ops := documentOperations(t)
	want := []string{"CatalogService_CreateProduct", "InventoryService_AdjustStock", "InventoryService_CreatePurchaseOrder",
		"InventoryService_CreateWarehouse", "UsersService_CreateAddress", "UsersService_CreateApiClient",
		"WalletService_CreateDepositTopUp", "WalletService_CreatePayout", "WalletService_CreateTopUp"}
	var got []string
	for id, op := range ops {
		for _, p := range op.Parameters {
			if p.In == "header" && p.Name == "Idempotency-Key" {
				got = append(got, id)
			}
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("Idempotency-Key declared on %v, want %v", got, want)
	}
}

// An operation naming an object by an id in its body or query documents 404
// as one naming it in its path does: a checkout's couponId may be no coupon
// of the caller's. Before, only path templates did. A search whose filter
// names nothing that exists answers no 404.
func TestOperationsNamingAnObjectDocumentNotFound(t *testing.T) {
	_, _, ops := documentOperations(t)
	for _, id := range []string{"OrdersService_Checkout", "LedgerService_LookupLedgerAccount"} {
		if _, ok := ops[id].Responses["404"]; !ok {
			t.Errorf("%s documents no 404", id)
		}
	}
	for _, id := range []string{"UsersService_Login", "CatalogService_SearchProducts"} {
		if op, found := ops[id]; !found {
			t.Errorf("no operation %s", id)
		} else if _, ok := op.Responses["404"]; ok {
			t.Errorf("%s documents a 404 it cannot answer", id)
		}
	}
}

// The Swagger 2.0 document, for tools that read nothing newer, says its
// calls carry the bearer token in the Authorization header, but for the
// public routes. Before, it had no security at all, and a client generated
// from it sent no token: every call but the public ones answered 401.
func TestSwaggerV2DocumentCarriesTheBearerToken(t *testing.T) {
	var doc struct {
		SecurityDefinitions map[string]struct {
			Type, In, Name string
		} `json:"securityDefinitions"`
		Security []map[string][]string `json:"security"`
		Paths    map[string]map[string]struct {
			Security *[]map[string][]string `json:"security"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(openapi.SwaggerV2, &doc); err != nil {
		t.Fatal(err)
	}
	// A public route takes none.
	if s := doc.Paths["/v1/auth/login"]["post"].Security; s == nil || len(*s) != 0 {
		t.Errorf("login's security = %v, want none", s)
	}
	if s := doc.Paths["/v1/checkouts"]["post"].Security; s != nil {
		t.Errorf("checkout's security = %v, want the document's", s)
	}
	if b := doc.SecurityDefinitions["bearer"]; b.Type != "apiKey" || b.In != "header" || b.Name != "Authorization" {
		t.Errorf("securityDefinitions.bearer = %+v, want an apiKey in the Authorization header", b)
	}
	if len(doc.Security) != 1 || doc.Security[0]["bearer"] == nil {
		t.Errorf("security = %v, want bearer", doc.Security)
	}
}
