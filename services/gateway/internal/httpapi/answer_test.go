package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"google.golang.org/grpc"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	freightv1 "github.com/crossdock/crossdock/gen/crossdock/freight/v1"
)

// partialEstimator answers an estimate with its target freight only: no
// display freight, breakdown or rate card, zero flags and no groups.
type partialEstimator struct {
	freightv1.UnimplementedFreightServiceServer
}

func (partialEstimator) Estimate(context.Context, *freightv1.EstimateRequest) (*freightv1.EstimateResponse, error) {
	return &freightv1.EstimateResponse{TargetFreight: &commonv1.Money{CurrencyCode: "USD", AmountMinor: 1999}}, nil
}

// TestAnswerLeavesOutUnsetMessages reads an answer with unset message
// fields. The document and the TypeScript types say such a field is absent
// (displayFreight?: Money), so it must not come as null; scalars and lists
// keep their zero values, which clients may rely on being present.
func TestAnswerLeavesOutUnsetMessages(t *testing.T) {
	h := routerOver(t, func(s grpc.ServiceRegistrar) { freightv1.RegisterFreightServiceServer(s, partialEstimator{}) })
	resp := serveRecovering(t, h, httptest.NewRequest("POST", "/v1/freight/estimates", strings.NewReader(`{}`)))
	if resp.Code != http.StatusOK {
		t.Fatalf("status %d: %s", resp.Code, resp.Body)
	}
	var answer map[string]json.RawMessage
	if err := json.Unmarshal(resp.Body.Bytes(), &answer); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		key, want string // want "" means: absent
	}{
		{"displayFreight", ""},
		{"rateCard", ""},
		{"parcel", ""},
		{"config", ""},
		{"targetFreight", `{"currencyCode":"USD","amountMinor":"1999"}`},
		{"displayRate", `""`},
		{"routeMultiplier", `false`},
		{"groups", `[]`},
		{"basis", `"BASIS_UNSPECIFIED"`},
	} {
		raw, present := answer[tt.key]
		// protojson varies its spacing on purpose: compare compacted.
		var got bytes.Buffer
		if present {
			if err := json.Compact(&got, raw); err != nil {
				t.Fatal(err)
			}
		}
		switch {
		case tt.want == "" && present:
			t.Errorf("%s is %s, want it left out", tt.key, raw)
		case tt.want != "" && got.String() != tt.want:
			t.Errorf("%s is %q (present %v), want %s", tt.key, got.String(), present, tt.want)
		}
	}
}
