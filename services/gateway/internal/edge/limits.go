package edge

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"

	"google.golang.org/grpc/codes"
)

// MaxBody caps request bodies at limit bytes. A larger body is refused with 400
// and a field violation on "body" before anything reaches a service; a body
// within the limit is read here (it is small) so a streamed oversized body is
// refused the same way as a declared one.
func MaxBody(limit int64) func(http.Handler) http.Handler {
	tooLarge := fmt.Sprintf("request body larger than %d bytes", limit)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > limit {
				WriteBadRequest(w, "body", tooLarge)
				return
			}
			if r.Body != nil && r.Body != http.NoBody {
				body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
				if err != nil {
					WriteBadRequest(w, "body", "request body could not be read")
					return
				}
				if int64(len(body)) > limit {
					WriteBadRequest(w, "body", tooLarge)
					return
				}
				r.Body = io.NopCloser(bytes.NewReader(body))
			}
			next.ServeHTTP(w, r)
		})
	}
}

// Recover turns a panic into a 500 with a generic body; the stack is logged.
func Recover(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v)
					}
					log.Error("panic in http handler", "panic", v, "path", r.URL.Path,
						"request_id", RequestIDFrom(r.Context()), "stack", string(debug.Stack()))
					WriteError(w, http.StatusInternalServerError, codes.Internal, "internal error")
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// Chain applies middleware so that the first one given is the outermost.
func Chain(h http.Handler, mw ...func(http.Handler) http.Handler) http.Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}
