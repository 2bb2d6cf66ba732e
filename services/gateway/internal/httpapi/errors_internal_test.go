package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/crossdock/crossdock/pkg/auth"
)

// An error carrying a retry delay answers Retry-After: rate limited (429),
// or busy for a moment (503: users' password checks all taken). Before,
// only a 429 did.
func TestARetryDelayAnswersRetryAfter(t *testing.T) {
	for _, tt := range []struct {
		name     string
		code     codes.Code
		delay    time.Duration
		want     string
		wantHTTP int
	}{
		{"whole seconds", codes.ResourceExhausted, 90 * time.Second, "90", http.StatusTooManyRequests},
		{"rounded up", codes.ResourceExhausted, 1500 * time.Millisecond, "2", http.StatusTooManyRequests},
		{"at least one", codes.ResourceExhausted, 10 * time.Millisecond, "1", http.StatusTooManyRequests},
		{"busy for a moment", codes.Unavailable, 2 * time.Second, "2", http.StatusServiceUnavailable},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st, err := status.New(tt.code, "too many failed logins").
				WithDetails(&errdetails.ErrorInfo{Reason: "PASSWORD_CHECKS_BUSY", Domain: "crossdock"}, &errdetails.RetryInfo{RetryDelay: durationpb.New(tt.delay)})
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			mux := runtime.NewServeMux()
			errorHandler(context.Background(), mux, &runtime.JSONPb{}, rec, httptest.NewRequest("POST", "/v1/auth/login", nil), st.Err())
			if rec.Code != tt.wantHTTP || rec.Header().Get("Retry-After") != tt.want {
				t.Errorf("status %d, Retry-After %q, want %d and %q", rec.Code, rec.Header().Get("Retry-After"), tt.wantHTTP, tt.want)
			}
		})
	}
}

func TestServicesInvalidArgumentPassesUnchanged(t *testing.T) {
	st, err := status.New(codes.InvalidArgument, "the SKUs ship from more than one origin").
		WithDetails(&errdetails.ErrorInfo{Reason: "SEVERAL_ORIGINS", Domain: "crossdock"})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	errorHandler(context.Background(), runtime.NewServeMux(), &runtime.JSONPb{}, rec, httptest.NewRequest("POST", "/v1/freight/estimates", nil), st.Err())
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "more than one origin") {
		t.Errorf("%d %s: the service's own message was rewritten", rec.Code, rec.Body)
	}
}

// A failure behind the gateway without a service's details (the transport
// refusing a connection, naming the upstream's address) answers a fixed
// message; a service's own Unavailable, with its ErrorInfo, passes as it is.
func TestUpstreamFailuresDoNotShowInternals(t *testing.T) {
	transport := status.Error(codes.Unavailable, `connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:1: connect: connection refused"`)
	rec := httptest.NewRecorder()
	errorHandler(context.Background(), runtime.NewServeMux(), &runtime.JSONPb{}, rec, httptest.NewRequest("GET", "/v1/categories", nil), transport)
	if rec.Code != http.StatusServiceUnavailable || strings.Contains(rec.Body.String(), "127.0.0.1") || !strings.Contains(rec.Body.String(), "try again") {
		t.Errorf("%d %s: the transport's text reached the client", rec.Code, rec.Body)
	}
	own, err := status.New(codes.Unavailable, "the payment provider is unavailable").WithDetails(&errdetails.ErrorInfo{Reason: "PROVIDER_UNAVAILABLE", Domain: "crossdock"})
	if err != nil {
		t.Fatal(err)
	}
	rec = httptest.NewRecorder()
	errorHandler(context.Background(), runtime.NewServeMux(), &runtime.JSONPb{}, rec, httptest.NewRequest("POST", "/v1/wallet/top-ups", nil), own.Err())
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "payment provider") {
		t.Errorf("%d %s: the service's own message was rewritten", rec.Code, rec.Body)
	}
}

// A service's 401 answers the gateway's Bearer challenge, invalid_token for
// a token the service refused, not the error's message (grpc-gateway's
// default), and names the reason as the gateway's own refusals do.
func TestAServicesUnauthenticatedAnswersABearerChallenge(t *testing.T) {
	for _, tt := range []struct {
		name, reason, message, want string
	}{
		{"a token refused", auth.ReasonTokenInvalid, "invalid or expired token", `Bearer realm="crossdock", error="invalid_token"`},
		{"a wrong password", "INVALID_CREDENTIALS", "invalid e-mail or password", `Bearer realm="crossdock"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st, err := status.New(codes.Unauthenticated, tt.message).WithDetails(&errdetails.ErrorInfo{Reason: tt.reason, Domain: "crossdock"})
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			errorHandler(context.Background(), runtime.NewServeMux(), &runtime.JSONPb{}, rec, httptest.NewRequest("GET", "/v1/me", nil), st.Err())
			if got := rec.Header().Get("WWW-Authenticate"); rec.Code != http.StatusUnauthorized || got != tt.want {
				t.Errorf("%d, WWW-Authenticate %q; want 401 and %q", rec.Code, got, tt.want)
			}
			if !strings.Contains(rec.Body.String(), tt.reason) {
				t.Errorf("the body %s does not name the reason %s", rec.Body, tt.reason)
			}
		})
	}
}

// An answer the transport refused as too large is a 500 without the
// transport's text, not a 429 a client would wait and retry in vain.
func TestATooLargeAnswerIsNoRateLimit(t *testing.T) {
	transport := status.Error(codes.ResourceExhausted, "grpc: received message larger than max (5000000 vs. 4194304)")
	rec := httptest.NewRecorder()
	errorHandler(context.Background(), runtime.NewServeMux(), &runtime.JSONPb{}, rec, httptest.NewRequest("GET", "/v1/product-models", nil), transport)
	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "larger than max") {
		t.Errorf("%d %s; want 500 without the transport's text", rec.Code, rec.Body)
	}
}
