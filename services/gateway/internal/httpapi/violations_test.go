package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"google.golang.org/grpc"

	freightv1 "github.com/crossdock/crossdock/gen/crossdock/freight/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/server/grpcerr"
)

// refusingEstimator refuses every estimate with the violations it holds, as
// freight does: proto field paths, the message built from them, and an
// ErrorInfo.
type refusingEstimator struct {
	freightv1.UnimplementedFreightServiceServer
	violations []apperr.FieldViolation
}

func (e refusingEstimator) Estimate(context.Context, *freightv1.EstimateRequest) (*freightv1.EstimateResponse, error) {
	return nil, grpcerr.Error(apperr.Invalid(e.violations...))
}

// TestServiceViolationsAnswerJSONNames passes a service's field violations
// through the gateway. The services name fields as gRPC does (proto names,
// "parcel.weight_g"); the REST document, the TypeScript client and its
// fieldViolations helper promise the JSON names the client sent
// ("parcel.weightG"), so the gateway renames each field of the path and the
// message built from them, keeping indices and what names no field.
func TestServiceViolationsAnswerJSONNames(t *testing.T) {
	for _, tt := range []struct {
		name      string
		violation string
		want      string
	}{
		{"nested field", "parcel.weight_g", "parcel.weightG"},
		{"three levels", "parcel.declared_value.amount_minor", "parcel.declaredValue.amountMinor"},
		{"list element", "lines.lines[1].sku_id", "lines.lines[1].skuId"},
		{"a whole message", "route", "route"},
		{"a header", "Idempotency-Key", "Idempotency-Key"},
		{"unknown to the request", "parcel.no_such_field", "parcel.no_such_field"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			svc := refusingEstimator{violations: []apperr.FieldViolation{
				{Field: "route.origin_country_code", Description: "is required"},
				{Field: tt.violation, Description: "is wrong"},
			}}
			h := routerOver(t, func(s grpc.ServiceRegistrar) { freightv1.RegisterFreightServiceServer(s, svc) })
			resp := serveRecovering(t, h, httptest.NewRequest("POST", "/v1/freight/estimates", strings.NewReader(`{}`)))
			if resp.Code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", resp.Code, resp.Body)
			}
			if got := violations(t, resp); len(got) != 2 || got[0] != "route.originCountryCode" || got[1] != tt.want {
				t.Errorf("violations %v, want [route.originCountryCode %s]", got, tt.want)
			}
			var body struct {
				Message string           `json:"message"`
				Details []map[string]any `json:"details"`
			}
			if err := json.Unmarshal(resp.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if want := "invalid request: route.originCountryCode: is required; " + tt.want + ": is wrong"; body.Message != want {
				t.Errorf("message %q, want %q", body.Message, want)
			}
			if len(body.Details) < 2 {
				t.Errorf("details %v: the service's other details were lost", body.Details)
			}
		})
	}
}
