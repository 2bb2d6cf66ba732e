package openapi_test

import (
	"encoding/json"
	"testing"

	"github.com/crossdock/crossdock/gen/openapi"
)

// TestDocument checks that the embedded document is the merged Swagger 2.0 document
// with the project's info block, not a per-file one or an empty embed.
func TestDocument(t *testing.T) {
	var doc struct {
		Swagger string `json:"swagger"`
		Info    struct {
			Title   string `json:"title"`
			Version string `json:"version"`
		} `json:"info"`
		Paths map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openapi.Document, &doc); err != nil {
		t.Fatalf("Document is not JSON: %v", err)
	}
	tests := []struct {
		name, got, want string
	}{
		{"swagger", doc.Swagger, "2.0"},
		{"info.title", doc.Info.Title, "Crossdock API"},
		{"info.version", doc.Info.Version, "v1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
			}
		})
	}
	if doc.Paths == nil {
		t.Error("Document has no paths object")
	}
}
