package httpapi

import (
	"net/http"
	"strconv"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"

	"github.com/crossdock/crossdock/pkg/idempotency"
)

// idempotencyKeyHeader is the header REST clients send a command's key in;
// forwardHeader passes it on as the "idempotency-key" metadata.
const idempotencyKeyHeader = "Idempotency-Key"

// checkIdempotencyKey refuses an Idempotency-Key header the services would
// never see as sent: grpc-gateway silently drops a metadata value that is not
// printable ASCII, pkg/idempotency takes two values as no key at all, and the
// services refuse a longer key as a body field the client did not send.
// Each would turn a retry-safe command into one that runs twice, so the
// gateway answers 400 naming the header before anything reaches a service.
func checkIdempotencyKey(mux *runtime.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if desc := idempotencyKeyProblem(r.Header.Values(idempotencyKeyHeader)); desc != "" {
			_, outbound := runtime.MarshalerForRequest(mux, r)
			runtime.HTTPError(r.Context(), mux, outbound, w, r, badRequest(idempotencyKeyHeader, desc))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// idempotencyKeyProblem says what is wrong with the header's values, or ""
// when there is at most one usable value.
func idempotencyKeyProblem(values []string) string {
	switch {
	case len(values) == 0:
		return ""
	case len(values) > 1:
		return "is given more than once"
	case len(values[0]) > idempotency.MaxKeyLen:
		return "must be at most " + strconv.Itoa(idempotency.MaxKeyLen) + " bytes"
	}
	for i := range len(values[0]) {
		// gRPC's ASCII metadata values: printable ASCII and space.
		if c := values[0][i]; c < 0x20 || c > 0x7e {
			return "must be printable ASCII"
		}
	}
	return ""
}
