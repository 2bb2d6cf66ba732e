package openapi_test

import (
	"encoding/json"
	"testing"

	"github.com/crossdock/crossdock/gen/openapi"
)

// TestDocuments checks that each embedded document is the merged one of its version
// with the project's info block and paths, not a per-file one or an empty embed.
func TestDocuments(t *testing.T) {
	tests := []struct {
		name        string
		doc         []byte
		versionKey  string
		wantVersion string
	}{
		{"OpenAPI 3.1", openapi.Document, "openapi", "3.1.1"},
		{"Swagger 2.0", openapi.SwaggerV2, "swagger", "2.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc struct {
				Info struct {
					Title   string `json:"title"`
					Version string `json:"version"`
				} `json:"info"`
				Paths map[string]json.RawMessage `json:"paths"`
			}
			var version map[string]any
			if err := json.Unmarshal(tt.doc, &doc); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			_ = json.Unmarshal(tt.doc, &version)
			if got := version[tt.versionKey]; got != tt.wantVersion {
				t.Errorf("%s = %v, want %q", tt.versionKey, got, tt.wantVersion)
			}
			if doc.Info.Title != "Crossdock API" || doc.Info.Version != "v1" {
				t.Errorf("info = %+v, want Crossdock API v1", doc.Info)
			}
			if len(doc.Paths) < 50 {
				t.Errorf("%d paths, want the whole API", len(doc.Paths))
			}
		})
	}
}
