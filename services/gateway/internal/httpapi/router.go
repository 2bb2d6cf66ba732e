package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/crossdock/crossdock/services/gateway/internal/docsui"
	"github.com/crossdock/crossdock/services/gateway/internal/edge"
)

// Registrar registers one service's REST routes on the mux, forwarding to its
// upstream connection. The generated Register<Service>HandlerClient functions
// are wrapped as Registrars in the gateway's main.
type Registrar func(ctx context.Context, mux *runtime.ServeMux) error

// NewRouter builds the public HTTP handler: /healthz, the OpenAPI documents, the
// reference at /docs and every REST route the registrars add.
func NewRouter(ctx context.Context, registrars ...Registrar) (http.Handler, error) {
	gw := runtime.NewServeMux(
		runtime.WithMarshalerOption(runtime.MIMEWildcard, answerMarshaler()),
		runtime.WithErrorHandler(errorHandler),
		runtime.WithRoutingErrorHandler(routingError),
		runtime.WithMiddlewares(stopProbes),
		// Routes match on the path as sent and each variable is decoded on
		// its own, so an id holding "/" (a partner's settlement line, sent
		// as %2F) is one segment; the default decodes first and splits it.
		runtime.WithUnescapingMode(runtime.UnescapingModeAllExceptReserved),
		runtime.WithMetadata(clientAddrMetadata),
		runtime.WithIncomingHeaderMatcher(forwardHeader),
		runtime.SetQueryParameterParser(&strictQuery{}),
		runtime.WithOutgoingHeaderMatcher(func(string) (string, bool) { return "", false }),
	)
	for _, register := range registrars {
		if err := register(ctx, gw); err != nil {
			return nil, err
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.HandleFunc("GET /openapi.json", serveOpenAPI)
	mux.HandleFunc("GET /openapi-v2.json", serveSwaggerV2)
	docsui.Register(mux)
	mux.Handle("/", checkIdempotencyKey(gw, gw))
	return mux, nil
}

// forwardHeader passes the request id and the idempotency key on to the
// services as gRPC metadata; other headers stay at the edge. (grpc-gateway
// itself forwards Authorization as "authorization"; forwarding it here too
// would send it twice, which the services refuse as ambiguous.)
func forwardHeader(key string) (string, bool) {
	switch strings.ToLower(key) {
	case strings.ToLower(edge.HeaderRequestID):
		return "x-request-id", true
	case "idempotency-key":
		return "idempotency-key", true
	}
	return "", false
}

// clientAddrMetadata tells the services which client the gateway serves, as
// the edge resolved it (behind a trusted proxy, from X-Forwarded-For), so
// users can throttle failed logins per client and not per gateway. The
// header is never taken from the client: forwardHeader does not pass it.
func clientAddrMetadata(ctx context.Context, r *http.Request) metadata.MD {
	if addr, ok := edge.ClientAddrFrom(r.Context()); ok {
		return metadata.Pairs("x-client-address", addr)
	}
	return nil
}

// answerMarshaler writes answers and reads bodies. Answers carry every scalar,
// enum, list and map, zero or empty included, but leave out a message field
// that is unset: the document lists the former as required and describes the
// latter as absent (displayFreight?: Money), and EmitUnpopulated wrote null,
// which neither allows.
func answerMarshaler() runtime.Marshaler {
	return bodyMarshaler{&runtime.JSONPb{
		MarshalOptions:   protojson.MarshalOptions{EmitDefaultValues: true, UseProtoNames: false},
		UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
	}}
}
