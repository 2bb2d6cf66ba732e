package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// routeMethods are the methods the REST routes use, in the order an Allow
// header lists them.
var routeMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// routingError answers a request no route takes. grpc-gateway's default
// answers a known path with the wrong method as 501 Unimplemented, which
// tells a client the server lacks a feature rather than that it sent the
// wrong method; this answers 405 with the Allow header HTTP requires, in
// the usual error body. Unknown paths keep grpc-gateway's 404.
func routingError(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, httpStatus int) {
	if _, probing := ctx.Value(probeKey{}).(*methodProbe); probing {
		return // a probe of allowedMethods that matched no route: nothing to answer
	}
	if httpStatus != http.StatusMethodNotAllowed {
		runtime.DefaultRoutingErrorHandler(ctx, mux, m, w, r, httpStatus)
		return
	}
	allowed := allowedMethods(mux, r)
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	errorHandler(ctx, mux, m, w, r, &runtime.HTTPStatusError{
		HTTPStatus: http.StatusMethodNotAllowed,
		Err: status.Errorf(codes.Unimplemented, "method %s is not allowed on this path; allowed: %s",
			r.Method, strings.Join(allowed, ", ")),
	})
}

// probeKey marks the context of a probe request; its value is the probe.
type probeKey struct{}

// methodProbe records whether a probe request reached a route's handler.
type methodProbe struct{ matched bool }

// stopProbes is a mux middleware that lets a probe request find its route
// and stops it there, before the route reads anything or calls a service.
func stopProbes(next runtime.HandlerFunc) runtime.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, params map[string]string) {
		if p, ok := r.Context().Value(probeKey{}).(*methodProbe); ok {
			p.matched = true
			return
		}
		next(w, r, params)
	}
}

// allowedMethods are the methods with a route on r's path. The mux keeps
// its routes to itself, so each method is tried through the mux's own
// matching (a bodiless copy of r that stopProbes halts): the answer cannot
// drift from the routes as a separate list could.
func allowedMethods(mux *runtime.ServeMux, r *http.Request) []string {
	var allowed []string
	for _, method := range routeMethods {
		if method == r.Method {
			continue
		}
		p := &methodProbe{}
		probe := r.Clone(context.WithValue(r.Context(), probeKey{}, p))
		probe.Method = method
		probe.Header = http.Header{} // no X-HTTP-Method-Override, no form body
		probe.Body, probe.ContentLength = http.NoBody, 0
		mux.ServeHTTP(discardResponse{}, probe)
		if p.matched {
			allowed = append(allowed, method)
		}
	}
	return allowed
}

// discardResponse is the ResponseWriter of a probe: nothing is sent.
type discardResponse struct{}

func (discardResponse) Header() http.Header         { return http.Header{} }
func (discardResponse) Write(b []byte) (int, error) { return len(b), nil }
func (discardResponse) WriteHeader(int)             {}
