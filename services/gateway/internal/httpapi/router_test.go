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

func TestRouterServesDocumentsDocsAndHealth(t *testing.T) {
	h, err := httpapi.NewRouter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	for _, tt := range []struct {
		path, versionKey, version string
	}{
		{"/openapi.json", "openapi", "3.1.1"},
		{"/openapi-v2.json", "swagger", "2.0"},
	} {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := http.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var doc map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			info, _ := doc["info"].(map[string]any)
			if doc[tt.versionKey] != tt.version || info["title"] != "Crossdock API" {
				t.Errorf("%s = %v, title %v; want %s, Crossdock API", tt.versionKey, doc[tt.versionKey], info["title"], tt.version)
			}
		})
	}

	for _, tt := range []struct {
		path, contains string
		status         int
	}{
		{"/docs", "/docs/swagger-ui-bundle.js", 200},
		{"/docs/init.js", "/openapi.json", 200},
		{"/docs/swagger-ui-bundle.js", "SwaggerUIBundle", 200},
		{"/docs/swagger-ui.css", ".swagger-ui", 200},
		{"/docs/no-such-file.js", "", 404},
		{"/healthz", "", 200},
		{"/v1/no-such-route", "", 404},
	} {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := http.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != tt.status || !strings.Contains(string(body), tt.contains) {
				t.Errorf("%d, %d bytes, %v; want %d containing %q", resp.StatusCode, len(body), err, tt.status, tt.contains)
			}
		})
	}
}

// TestDocsPageAllowsNoInlineCode checks the reference's Content-Security-Policy:
// its own files only, no inline script or style and no eval, on the page and its
// files alike.
func TestDocsPageAllowsNoInlineCode(t *testing.T) {
	h, err := httpapi.NewRouter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/docs", "/docs/init.js", "/docs/swagger-ui-bundle.js"} {
		t.Run(path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
			csp := rec.Header().Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %q", csp, want)
				}
			}
			for _, unsafe := range []string{"unsafe-inline", "unsafe-eval", "*", "http:", "https:"} {
				if strings.Contains(csp, unsafe) {
					t.Errorf("CSP %q allows %q", csp, unsafe)
				}
			}
		})
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/docs", nil))
	if page := rec.Body.String(); strings.Contains(page, "<script>") || strings.Contains(page, "<style") || strings.Contains(page, "http") {
		t.Errorf("the page has an inline script or style, or loads from elsewhere:\n%s", page)
	}
}
