package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/crossdock/crossdock/gen/openapi"
)

// Every successful JSON answer a test reads through restClient is held to the
// OpenAPI document: each property a schema lists as required is there, at every
// depth. The TypeScript client types those properties as always present
// (`status: string`, not `status?: string`), so an answer without one breaks a
// frontend that trusted the type.

// apiDocument is what of the OpenAPI document the check reads.
type apiDocument struct {
	routes  []apiRoute
	schemas map[string]apiSchema
}

// apiRoute is one operation: its method, its path template as a pattern, and
// the schema of its 200 answer.
type apiRoute struct {
	method  string
	pattern *regexp.Regexp
	literal int // characters of the template outside its variables: the most specific match wins
	answer  apiSchema
}

// apiSchema is the part of a JSON Schema the check follows.
type apiSchema struct {
	Ref                  string               `json:"$ref"`
	Type                 any                  `json:"type"`
	Required             []string             `json:"required"`
	Properties           map[string]apiSchema `json:"properties"`
	Items                *apiSchema           `json:"items"`
	AdditionalProperties json.RawMessage      `json:"additionalProperties"` // a schema, or true/false
}

var escapedVariable = regexp.MustCompile(`\\\{[^}]*\\\}`)

var loadDocument = sync.OnceValues(func() (*apiDocument, error) {
	var raw struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]apiSchema `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openapi.Document, &raw); err != nil {
		return nil, err
	}
	doc := &apiDocument{schemas: raw.Components.Schemas}
	variable := regexp.MustCompile(`\{[^}]+\}`)
	for path, item := range raw.Paths {
		for method, opRaw := range item {
			var op struct {
				Responses map[string]struct {
					Content map[string]struct {
						Schema apiSchema `json:"schema"`
					} `json:"content"`
				} `json:"responses"`
			}
			if err := json.Unmarshal(opRaw, &op); err != nil {
				continue // "parameters" and the like
			}
			ok, found := op.Responses["200"]
			if !found {
				continue
			}
			// A variable is one segment; QuoteMeta escaped its braces.
			pattern := "^" + escapedVariable.ReplaceAllString(regexp.QuoteMeta(path), `[^/]+?`) + "$"
			doc.routes = append(doc.routes, apiRoute{
				method: strings.ToUpper(method), pattern: regexp.MustCompile(pattern),
				literal: len(variable.ReplaceAllString(path, "")), answer: ok.Content["application/json"].Schema,
			})
		}
	}
	return doc, nil
})

// checkAnswer fails t when a successful JSON answer to method and path (the
// query left out) lacks a property the document requires.
func checkAnswer(t testing.TB, method, path string, status int, raw []byte) {
	t.Helper()
	if status != http.StatusOK || len(raw) == 0 || raw[0] != '{' {
		return
	}
	doc, err := loadDocument()
	if err != nil {
		t.Fatalf("the OpenAPI document: %v", err)
	}
	route := doc.route(method, path)
	if route == nil {
		return // not an operation of the document (the health probe, say)
	}
	var body any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Errorf("%s %s: the answer is not JSON: %v", method, path, err)
		return
	}
	for _, missing := range doc.missing(route.answer, body, "", 0) {
		t.Errorf("%s %s: the answer has no %s, which the OpenAPI document requires", method, path, missing)
	}
}

// route is the operation a request names: of those whose template matches,
// the one with the most literal characters (":approve" over a variable).
func (d *apiDocument) route(method, path string) *apiRoute {
	var best *apiRoute
	for i := range d.routes {
		r := &d.routes[i]
		if r.method == method && r.pattern.MatchString(path) && (best == nil || r.literal > best.literal) {
			best = r
		}
	}
	return best
}

// missing lists the required properties value lacks under schema, as paths
// from the answer's root.
func (d *apiDocument) missing(s apiSchema, value any, at string, depth int) []string {
	if depth > 32 {
		return nil
	}
	if s.Ref != "" {
		return d.missing(d.schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")], value, at, depth+1)
	}
	var out []string
	switch v := value.(type) {
	case map[string]any:
		for _, name := range s.Required {
			if _, ok := v[name]; !ok {
				out = append(out, at+"."+name)
			}
		}
		for name, prop := range s.Properties {
			if child, ok := v[name]; ok {
				out = append(out, d.missing(prop, child, at+"."+name, depth+1)...)
			}
		}
		var each apiSchema
		if len(s.Properties) == 0 && json.Unmarshal(s.AdditionalProperties, &each) == nil {
			// A map: each value is held to the schema of its values.
			for key, child := range v {
				out = append(out, d.missing(each, child, fmt.Sprintf("%s[%q]", at, key), depth+1)...)
			}
		}

	case []any:
		if s.Items != nil {
			for i, child := range v {
				out = append(out, d.missing(*s.Items, child, fmt.Sprintf("%s[%d]", at, i), depth+1)...)
			}
		}
	}
	slices.Sort(out)
	return out
}

// The check itself can fail: an answer missing a required property of a
// nested schema is reported at its path, and one carrying everything is not.
func TestAnswerCheckFindsAMissingRequiredProperty(t *testing.T) {
	doc, err := loadDocument()
	if err != nil {
		t.Fatal(err)
	}
	route := doc.route("GET", "/v1/after-sales/0195f3a2-7c1e-7b4a-9d2e-3f6a1b2c4d5e")
	if route == nil {
		t.Fatal("GET /v1/after-sales/{id} is not in the document")
	}
	s := doc.schemas["AfterSale"]
	if !slices.Contains(s.Required, "status") {
		t.Fatalf("AfterSale requires %v, not its status", s.Required)
	}
	full := map[string]any{}
	for _, name := range s.Required {
		full[name] = ""
	}
	line := map[string]any{}
	for _, name := range doc.schemas["AfterSaleLine"].Required {
		line[name] = ""
	}
	full["lines"] = []any{line, map[string]any{"skuId": "x"}}
	got := doc.missing(route.answer, map[string]any{"afterSale": full}, "", 0)
	if len(got) == 0 || !slices.Contains(got, ".afterSale.lines[1].quantity") {
		t.Errorf("missing = %v; want the second line's quantity among them", got)
	}
	full["lines"] = []any{line}
	if got := doc.missing(route.answer, map[string]any{"afterSale": full}, "", 0); len(got) != 0 {
		t.Errorf("a complete answer is missing %v", got)
	}
}
