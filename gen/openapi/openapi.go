// Package openapi holds the documents of the gateway's REST API, generated from
// proto/, proto/gateway.yaml and proto/openapi-v3.yaml by `make generate`: the
// OpenAPI 3.1 document frontends read, and the Swagger 2.0 document it is built from.
package openapi

import _ "embed"

// Document is the OpenAPI 3.1 document in JSON (crossdock.openapi.json), served at
// /openapi.json: the one current frontend tooling reads. It is embedded so the
// gateway serves exactly the document generated with the code it was built with.
//
//go:embed crossdock.openapi.json
var Document []byte

// SwaggerV2 is the merged Swagger 2.0 document protoc-gen-openapiv2 generates
// (crossdock.swagger.json), from which Document is built; served at
// /openapi-v2.json for tools that read only Swagger 2.0.
//
//go:embed crossdock.swagger.json
var SwaggerV2 []byte
