// Package edge holds the gateway's HTTP middleware: request ids, access logs,
// CORS, body limits and panic recovery. None of it knows any business rule.
package edge

import (
	"context"
	"net/http"
	"regexp"

	"github.com/google/uuid"
)

// HeaderRequestID carries the request id in and out, and on to the services as
// gRPC metadata (x-request-id).
const HeaderRequestID = "X-Request-Id"

type requestIDKey struct{}

// A caller's id is accepted only if it is short and plain, so it is safe to log.
var acceptableRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// RequestID accepts the caller's X-Request-Id or generates one, returns it in
// the response, and stores it in the request context.
func RequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(HeaderRequestID)
		if !acceptableRequestID.MatchString(id) {
			id = uuid.NewString()
		}
		r.Header.Set(HeaderRequestID, id)
		w.Header().Set(HeaderRequestID, id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

// RequestIDFrom returns the request id stored by RequestID.
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
