// Package httpapi assembles the gateway's public HTTP surface: the REST routes
// grpc-gateway maps onto the services, the OpenAPI document and its page.
package httpapi

import (
	_ "embed"
	"net/http"

	"github.com/crossdock/crossdock/gen/openapi"
)

//go:embed docs.html
var docsPage []byte

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(openapi.Document)
}

func serveDocs(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline' 'self'; style-src 'unsafe-inline'")
	_, _ = w.Write(docsPage)
}
