package httpapi_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	// Every message of the API, so the registry can name each schema's.
	_ "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	_ "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	_ "github.com/crossdock/crossdock/gen/crossdock/docking/v1"
	_ "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	_ "github.com/crossdock/crossdock/gen/crossdock/freight/v1"
	_ "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	_ "github.com/crossdock/crossdock/gen/crossdock/logistics/v1"
	_ "github.com/crossdock/crossdock/gen/crossdock/ops/v1"
	_ "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
	_ "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/gen/openapi"
	"github.com/crossdock/crossdock/services/gateway/internal/httpapi"
)

// TestDocumentRequiresWhatAnswersCarry holds the document's required lists to
// the gateway's marshaler: every property a schema named after a message lists
// as required is written for that message even when it is empty (so a
// TypeScript client may read it without a check), and the lists are not empty
// where answers carry such fields. Schemas requests use stay all optional,
// Money aside.
func TestDocumentRequiresWhatAnswersCarry(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Required   []string                   `json:"required"`
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openapi.Document, &doc); err != nil {
		t.Fatal(err)
	}
	// openapi_naming_strategy=simple: a message's name, qualified by its
	// package ("orders.v1.SubOrder") where two packages share it.
	types := map[string]protoreflect.MessageType{}
	shared := map[string]bool{}
	protoregistry.GlobalTypes.RangeMessages(func(mt protoreflect.MessageType) bool {
		full := string(mt.Descriptor().FullName())
		if !strings.HasPrefix(full, "crossdock.") {
			return true
		}
		short := string(mt.Descriptor().Name())
		if _, seen := types[short]; seen {
			shared[short] = true
		}
		types[short] = mt
		types[strings.TrimPrefix(full, "crossdock.")] = mt
		return true
	})
	marshal := httpapi.AnswerMarshaler()
	marked := 0
	for name, schema := range doc.Components.Schemas {
		mt, ok := types[name]
		if len(schema.Required) == 0 || !ok || shared[name] {
			continue // the error bodies are no message of ours
		}
		marked++
		raw, err := marshal.Marshal(mt.New().Interface())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var written map[string]json.RawMessage
		if err := json.Unmarshal(raw, &written); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, p := range schema.Required {
			if _, ok := written[p]; !ok {
				t.Errorf("schema %s requires %s, which the gateway leaves out of an empty %s", name, p, mt.Descriptor().FullName())
			}
			if _, ok := schema.Properties[p]; !ok {
				t.Errorf("schema %s requires %s, which it does not have", name, p)
			}
		}
	}
	if marked < 100 {
		t.Errorf("%d schemas list required properties; answers carry scalars in far more", marked)
	}
	for name, want := range map[string][]string{
		"AfterSale": {"afterSaleId", "status", "lines"}, // answers only
		"Money":     {"currencyCode", "amountMinor"},    // complete everywhere
	} {
		got := doc.Components.Schemas[name].Required
		for _, p := range want {
			if !slices.Contains(got, p) {
				t.Errorf("schema %s requires %v, not %s", name, got, p)
			}
		}
	}
	sent := requestSchemas(t)
	if !sent["Address"] {
		t.Fatal("no request sends an Address: the reachability below reads nothing")
	}
	for name := range sent {
		if got := doc.Components.Schemas[name].Required; len(got) != 0 && name != "Money" && types[name] != nil {
			t.Errorf("schema %s, which requests send, requires %v: a request may leave any field out", name, got)
		}
	}
}

// requestSchemas names every schema a request body or parameter uses,
// directly or through another schema.
func requestSchemas(t *testing.T) map[string]bool {
	t.Helper()
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openapi.Document, &doc); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var reach func(raw json.RawMessage)
	reach = func(raw json.RawMessage) {
		for _, m := range schemaRef.FindAllSubmatch(raw, -1) {
			if name := string(m[1]); !seen[name] {
				seen[name] = true
				reach(doc.Components.Schemas[name])
			}
		}
	}
	for _, item := range doc.Paths {
		for _, raw := range item {
			var op struct {
				RequestBody json.RawMessage `json:"requestBody"`
				Parameters  json.RawMessage `json:"parameters"`
			}
			if json.Unmarshal(raw, &op) == nil {
				reach(op.RequestBody)
				reach(op.Parameters)
			}
		}
	}
	return seen
}

var schemaRef = regexp.MustCompile(`"#/components/schemas/([^"]+)"`)
