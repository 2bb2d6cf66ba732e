package grpcerr

import (
	"errors"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/crossdock/crossdock/pkg/apperr"
)

func TestProblemRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		err  error
		kind apperr.Kind
	}{
		{"violations", apperr.Invalid(apperr.FieldViolation{Field: "lines[0].quantity", Description: "must be positive"}), apperr.KindInvalid},
		{"reason and metadata", apperr.FailedPrecondition("out of stock").WithReason("OUT_OF_STOCK").WithMetadata("sku_id", "s1"), apperr.KindFailedPrecondition},
		{"unavailable", apperr.Unavailable("inventory is down"), apperr.KindUnavailable},
		{"unexpected", errors.New("boom"), apperr.KindUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ProblemOf(tt.err)
			back := FromProblem(p)
			if apperr.KindOf(back) != tt.kind {
				t.Fatalf("kind = %v, want %v (problem %v)", apperr.KindOf(back), tt.kind, p)
			}
			var want, got *apperr.Error
			if !errors.As(tt.err, &want) {
				if ToStatus(back).Message() != InternalMessage {
					t.Fatalf("an unexpected error leaked its text: %v", back)
				}
				return
			}
			if !errors.As(back, &got) {
				t.Fatalf("not an apperr: %v", back)
			}
			if got.Message != want.Message || got.Reason != want.Reason || len(got.Violations) != len(want.Violations) || got.Metadata["sku_id"] != want.Metadata["sku_id"] {
				t.Fatalf("round trip = %+v, want %+v", got, want)
			}
		})
	}
	if ProblemOf(nil) != nil || FromProblem(nil) != nil {
		t.Fatal("no error must give no problem and back")
	}
}

func TestCodeName(t *testing.T) {
	for c, want := range map[codes.Code]string{codes.OK: "OK", codes.FailedPrecondition: "FAILED_PRECONDITION", codes.DeadlineExceeded: "DEADLINE_EXCEEDED", codes.Unavailable: "UNAVAILABLE"} {
		if got := codeName(c); got != want {
			t.Errorf("codeName(%v) = %q, want %q", c, got, want)
		}
	}
}

// TestBatch pairs each request with its answer, refuses a malformed one
// alone, and counts malformed requests against the bound.
func TestBatch(t *testing.T) {
	read := func(s string) (int, error) {
		if s == "" {
			return 0, apperr.InvalidField("item", "is required")
		}
		return len(s), nil
	}
	var ran []int
	double := func(ins []int) ([]int, error) {
		ran = ins
		out := make([]int, len(ins))
		for i, n := range ins {
			out[i] = 2 * n
		}
		return out, nil
	}

	items, err := Batch([]string{"a", "", "abc"}, "items", 3, read, double)
	if err != nil {
		t.Fatal(err)
	}
	if len(ran) != 2 || items[0].Out != 2 || items[2].Out != 6 || items[0].Err != nil || items[2].Err != nil {
		t.Fatalf("items %+v, ran %v", items, ran)
	}
	if items[1].Err == nil {
		t.Fatal("the malformed item was not refused")
	}

	ran = nil
	_, err = Batch([]string{"a", "", "", ""}, "items", 3, read, double)
	if !apperr.IsKind(err, apperr.KindInvalid) || ran != nil {
		t.Fatalf("four items (three malformed) over a bound of three: %v, ran %v", err, ran)
	}
}
