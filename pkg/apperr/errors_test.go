package apperr_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/crossdock/crossdock/pkg/apperr"
)

var errOutOfStock = apperr.FailedPrecondition("not enough stock").WithReason("OUT_OF_STOCK")

func TestErrorsIs(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		target error
		want   bool
	}{
		{name: "same sentinel", err: errOutOfStock, target: errOutOfStock, want: true},
		{name: "wrapped", err: fmt.Errorf("x: %w", errOutOfStock), target: errOutOfStock, want: true},
		{name: "copy with metadata", err: errOutOfStock.WithMetadata("sku", "A"), target: errOutOfStock, want: true},
		{name: "copy with violations", err: errOutOfStock.WithViolations(apperr.FieldViolation{Field: "lines[0].quantity", Description: "exceeds stock"}), target: errOutOfStock, want: true},
		{name: "copy with cause", err: errOutOfStock.Wrap(errors.New("row locked")), target: errOutOfStock, want: true},
		{name: "other reason", err: apperr.FailedPrecondition("order already paid").WithReason("ALREADY_PAID"), target: errOutOfStock, want: false},
		{name: "other kind", err: apperr.NotFound("sku", "A").WithReason("OUT_OF_STOCK"), target: errOutOfStock, want: false},
		{name: "cause reachable", err: apperr.Aborted("retry").Wrap(context.Canceled), target: context.Canceled, want: true},
	}
	for _, tt := range tests {
		if got := errors.Is(tt.err, tt.target); got != tt.want {
			t.Errorf("%s: errors.Is = %v, want %v", tt.name, got, tt.want)
		}
	}
	if k := apperr.KindOf(fmt.Errorf("x: %w", apperr.NotFound("a", "b"))); k != apperr.KindNotFound {
		t.Errorf("KindOf = %v", k)
	}
	if apperr.IsKind(errors.New("plain"), apperr.KindNotFound) || !apperr.IsKind(errOutOfStock, apperr.KindFailedPrecondition) {
		t.Error("IsKind disagrees with KindOf")
	}
}

func TestWithViolationsCopies(t *testing.T) {
	taken := apperr.AlreadyExists("e-mail taken").WithReason("EMAIL_TAKEN")
	named := taken.WithViolations(apperr.FieldViolation{Field: "email", Description: "is already registered"})
	if len(taken.Violations) != 0 {
		t.Fatalf("the sentinel changed: %v", taken.Violations)
	}
	if len(named.Violations) != 1 || named.Violations[0].Field != "email" || named.Kind != apperr.KindAlreadyExists {
		t.Fatalf("copy = %+v", named)
	}
}

// A worker stops retrying on a refusal the same call would meet again, and
// keeps retrying what may pass later (or is not ours to judge).
func TestPermanent(t *testing.T) {
	for _, tt := range []struct {
		err            error
		permanent      bool
		refusedForGood bool
	}{
		{apperr.InvalidField("x", "bad"), true, true},
		{apperr.NotFound("sub-order", "s-1"), true, true},
		{apperr.FailedPrecondition("lapsed"), true, true},
		{apperr.AlreadyExists("leg"), true, true},
		// A peer's PermissionDenied is this service's identity lacking a
		// role: mended by an operator, not a refusal for good.
		{apperr.PermissionDenied("no"), true, false},
		{fmt.Errorf("peer: %w", apperr.PermissionDenied("this method is for service accounts").WithReason("SERVICES_ONLY")), true, false},
		{fmt.Errorf("wrapped: %w", apperr.FailedPrecondition("lapsed")), true, true},
		{apperr.Unavailable("down"), false, false},
		{apperr.Aborted("conflict"), false, false},
		{errors.New("connection reset"), false, false},
		{nil, false, false},
	} {
		if got := apperr.Permanent(tt.err); got != tt.permanent {
			t.Errorf("Permanent(%v) = %v, want %v", tt.err, got, tt.permanent)
		}
		if got := apperr.RefusedForGood(tt.err); got != tt.refusedForGood {
			t.Errorf("RefusedForGood(%v) = %v, want %v", tt.err, got, tt.refusedForGood)
		}
	}
}
