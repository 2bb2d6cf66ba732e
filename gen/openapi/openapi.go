// Package openapi holds the OpenAPI v2 document of the gateway's REST API, generated
// from proto/ and proto/gateway.yaml into one merged file.
package openapi

import _ "embed"

// Document is the merged OpenAPI v2 (Swagger) document in JSON. It is embedded so the
// gateway serves exactly the document generated with the code it was built with.
//
//go:embed crossdock.swagger.json
var Document []byte
