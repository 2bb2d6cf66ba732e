// Package httpapi assembles the gateway's public HTTP surface: the REST routes
// grpc-gateway maps onto the services, the OpenAPI documents and the reference.
package httpapi

import (
	"net/http"

	"github.com/crossdock/crossdock/gen/openapi"
)

// documentRoutes are the API's own documents: OpenAPI 3.1 for current tooling,
// and the Swagger 2.0 it is built from for tools that read nothing newer.
var documentRoutes = []string{"GET /openapi.json", "GET /openapi-v2.json"}

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	serveDocument(w, openapi.Document)
}

func serveSwaggerV2(w http.ResponseWriter, _ *http.Request) {
	serveDocument(w, openapi.SwaggerV2)
}

func serveDocument(w http.ResponseWriter, doc []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(doc)
}
