package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"google.golang.org/grpc"

	dockingv1 "github.com/crossdock/crossdock/gen/crossdock/docking/v1"
)

// lineRecorder is a docking service that records the line ids it is asked
// to resolve.
type lineRecorder struct {
	dockingv1.UnimplementedDockingServiceServer
	got chan string
}

func (r *lineRecorder) ResolveSettlementLine(_ context.Context, req *dockingv1.ResolveSettlementLineRequest) (*dockingv1.ResolveSettlementLineResponse, error) {
	r.got <- req.GetLineId()
	return &dockingv1.ResolveSettlementLineResponse{Line: &dockingv1.SettlementLine{LineId: req.GetLineId()}}, nil
}

// A partner's ids are its own and may hold any character: percent-encoded in
// one path segment, they reach the service decoded, slashes included.
func TestAnEncodedPathSegmentReachesTheServiceDecoded(t *testing.T) {
	rec := &lineRecorder{got: make(chan string, 1)}
	h := routerOver(t, func(s grpc.ServiceRegistrar) { dockingv1.RegisterDockingServiceServer(s, rec) })
	for _, tt := range []struct{ segment, want string }{
		{"st-2026-11/line-7", "st-2026-11/line-7"},
		{"a%2Fb%3Fc%23d%25e", "a/b?c#d%e"},
		{"plain-line", "plain-line"},
	} {
		t.Run(tt.want, func(t *testing.T) {
			segment := strings.ReplaceAll(tt.segment, "/", "%2F")
			req := httptest.NewRequest("POST", "/v1/docking/partners/0190f5a8-7c1e-7d2a-9b3c-4e5f60718293/settlement-lines/"+segment+"/resolve",
				strings.NewReader(`{"resolution":"SETTLEMENT_LINE_RESOLUTION_DISMISS","note":"n"}`))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			if got := <-rec.got; got != tt.want {
				t.Errorf("line id %q reached the service, want %q", got, tt.want)
			}
		})
	}
}
