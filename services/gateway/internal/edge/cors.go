package edge

import (
	"net/http"
	"slices"
	"strings"
)

// CORS answers preflight requests and marks responses for the allowed origins
// only; with no origins configured, browsers on other origins are refused.
// With origins configured every response varies by Origin, granted or not, so
// a shared cache never hands one origin's answer (or a grant-less one) to
// another. Browsers may send the headers the API document offers
// (Grpc-Timeout among them) and read those it answers with.
func CORS(allowed []string) func(http.Handler) http.Handler {
	allowAll := slices.Contains(allowed, "*")
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			if len(allowed) > 0 {
				h.Add("Vary", "Origin")
			}
			origin := r.Header.Get("Origin")
			if origin == "" || !(allowAll || slices.Contains(allowed, origin)) {
				next.ServeHTTP(w, r)
				return
			}
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Expose-Headers", strings.Join([]string{HeaderRequestID, "Retry-After", "Allow", "WWW-Authenticate"}, ", "))
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE")
				// The W3C trace context a browser's tracing sends (the gateway
				// continues its trace): without them every call of a page
				// that traces was refused at its preflight.
				h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key, Grpc-Timeout, "+HeaderRequestID+", traceparent, tracestate, baggage")
				h.Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
