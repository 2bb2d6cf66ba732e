package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/crossdock/crossdock/services/gateway/internal/httpapi"
)

func TestRouterServesDocumentDocsAndHealth(t *testing.T) {
	h, err := httpapi.NewRouter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Swagger string `json:"swagger"`
		Info    struct{ Title string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	resp.Body.Close()
	if doc.Swagger != "2.0" || doc.Info.Title != "Crossdock API" {
		t.Errorf("document = %+v", doc)
	}

	for path, want := range map[string]string{"/docs": "/openapi.json", "/healthz": ""} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("%s: %d %q %v", path, resp.StatusCode, body, err)
		}
	}

	resp, err = http.Get(srv.URL + "/v1/no-such-route")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown route: %d, want 404", resp.StatusCode)
	}
}
