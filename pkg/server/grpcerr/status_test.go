package grpcerr_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/server/grpcerr"
)

var errOutOfStock = apperr.FailedPrecondition("not enough stock").WithReason("OUT_OF_STOCK")

func TestToStatus(t *testing.T) {
	peerStatus := status.New(codes.NotFound, "sku \"A\" not found")
	tests := []struct {
		name       string
		err        error
		code       codes.Code
		msg        string
		reason     string // ErrorInfo reason; empty means no ErrorInfo expected
		violations []apperr.FieldViolation
		resource   *errdetails.ResourceInfo
		metadata   map[string]string
	}{
		{
			name: "invalid fields",
			err: apperr.Invalid(
				apperr.FieldViolation{Field: "items[0].quantity", Description: "must be positive"},
				apperr.FieldViolation{Field: "currency_code", Description: "unknown currency"},
			),
			code:   codes.InvalidArgument,
			msg:    "invalid request: items[0].quantity: must be positive; currency_code: unknown currency",
			reason: "INVALID_ARGUMENT",
			violations: []apperr.FieldViolation{
				{Field: "items[0].quantity", Description: "must be positive"},
				{Field: "currency_code", Description: "unknown currency"},
			},
		},
		{
			name: "invalid single field", err: apperr.InvalidField("email", "must not be empty"),
			code: codes.InvalidArgument, msg: "invalid request: email: must not be empty", reason: "INVALID_ARGUMENT",
			violations: []apperr.FieldViolation{{Field: "email", Description: "must not be empty"}},
		},
		{
			name: "not found", err: apperr.NotFound("order", "o-42"),
			code: codes.NotFound, msg: `order "o-42" not found`, reason: "NOT_FOUND",
			resource: &errdetails.ResourceInfo{ResourceType: "order", ResourceName: "o-42"},
		},
		{
			name: "wrapped sentinel with reason", err: fmt.Errorf("reserve sku A: %w", errOutOfStock),
			code: codes.FailedPrecondition, msg: "not enough stock", reason: "OUT_OF_STOCK",
		},
		{
			name: "already exists with metadata", err: apperr.AlreadyExists("idempotency key reused with other parameters").WithMetadata("idempotency_key", "k1"),
			code: codes.AlreadyExists, msg: "idempotency key reused with other parameters", reason: "ALREADY_EXISTS",
			metadata: map[string]string{"idempotency_key": "k1"},
		},
		{
			name: "aborted hides cause", err: apperr.Aborted("order changed concurrently").Wrap(errors.New("pg: version 3 != 4")),
			code: codes.Aborted, msg: "order changed concurrently", reason: "ABORTED",
		},
		{name: "permission denied", err: apperr.PermissionDenied("not your order"), code: codes.PermissionDenied, msg: "not your order", reason: "PERMISSION_DENIED"},
		{name: "unauthenticated", err: apperr.Unauthenticated("token expired"), code: codes.Unauthenticated, msg: "token expired", reason: "UNAUTHENTICATED"},
		{name: "resource exhausted", err: apperr.ResourceExhausted("rate limit"), code: codes.ResourceExhausted, msg: "rate limit", reason: "RESOURCE_EXHAUSTED"},
		{name: "unavailable", err: apperr.Unavailable("finance unreachable"), code: codes.Unavailable, msg: "finance unreachable", reason: "UNAVAILABLE"},
		{name: "canceled", err: fmt.Errorf("query: %w", context.Canceled), code: codes.Canceled, msg: "context canceled"},
		{name: "deadline", err: fmt.Errorf("query: %w", context.DeadlineExceeded), code: codes.DeadlineExceeded, msg: "context deadline exceeded"},
		{name: "status passes through", err: peerStatus.Err(), code: codes.NotFound, msg: `sku "A" not found`},
		{name: "wrapped status keeps its own message", err: fmt.Errorf("call inventory at 10.0.0.7: %w", peerStatus.Err()), code: codes.NotFound, msg: `sku "A" not found`},
		{name: "unknown is internal", err: errors.New(`pq: relation "orders" does not exist`), code: codes.Internal, msg: "internal error"},
		{
			name: "a NUL the database refused is the client's", err: fmt.Errorf("insert order: %w", &pgconn.PgError{Code: "22021"}),
			code: codes.InvalidArgument, msg: "invalid request: a text holds a character that cannot be stored, such as NUL", reason: "UNSTORABLE_TEXT",
		},
		{
			name: "a NUL in JSON the database refused is the client's", err: &pgconn.PgError{Code: "22P05"},
			code: codes.InvalidArgument, msg: "invalid request: a text holds a character that cannot be stored, such as NUL", reason: "UNSTORABLE_TEXT",
		},
		{name: "another database error is internal", err: &pgconn.PgError{Code: "23503"}, code: codes.Internal, msg: "internal error"},
		{name: "zero Error is internal", err: &apperr.Error{Message: "oops"}, code: codes.Internal, msg: "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := grpcerr.ToStatus(tt.err)
			if st.Code() != tt.code || st.Message() != tt.msg {
				t.Fatalf("ToStatus = %v %q, want %v %q", st.Code(), st.Message(), tt.code, tt.msg)
			}
			var info *errdetails.ErrorInfo
			var violations []apperr.FieldViolation
			var resource *errdetails.ResourceInfo
			for _, d := range st.Details() {
				switch d := d.(type) {
				case *errdetails.ErrorInfo:
					info = d
				case *errdetails.BadRequest:
					for _, v := range d.GetFieldViolations() {
						violations = append(violations, apperr.FieldViolation{Field: v.GetField(), Description: v.GetDescription()})
					}
				case *errdetails.ResourceInfo:
					resource = d
				}
			}
			if tt.reason == "" {
				if info != nil {
					t.Errorf("unexpected ErrorInfo %v", info)
				}
			} else if info == nil || info.GetReason() != tt.reason || info.GetDomain() != "crossdock" {
				t.Errorf("ErrorInfo = %v, want reason %s in domain crossdock", info, tt.reason)
			}
			if tt.metadata != nil && !reflect.DeepEqual(info.GetMetadata(), tt.metadata) {
				t.Errorf("metadata = %v, want %v", info.GetMetadata(), tt.metadata)
			}
			if !reflect.DeepEqual(violations, tt.violations) {
				t.Errorf("violations = %v, want %v", violations, tt.violations)
			}
			if (resource == nil) != (tt.resource == nil) ||
				(resource != nil && (resource.GetResourceType() != tt.resource.GetResourceType() || resource.GetResourceName() != tt.resource.GetResourceName())) {
				t.Errorf("resource = %v, want %v", resource, tt.resource)
			}
		})
	}
	if st := grpcerr.ToStatus(nil); st != nil {
		t.Errorf("ToStatus(nil) = %v, want nil", st)
	}
}

// A peer refusing a service's own credentials reaches that service's
// caller as Unavailable, not as its own credentials refused; every other
// answer comes back as FromError gives it.
func TestFromPeer(t *testing.T) {
	refused := grpcerr.FromPeer(grpcerr.ToStatus(apperr.Unauthenticated("token expired")).Err())
	if apperr.KindOf(refused) != apperr.KindUnavailable || !strings.Contains(refused.Error(), "token expired") {
		t.Errorf("credentials refused by the peer: %v (%v), want Unavailable with the peer's answer kept", refused, apperr.KindOf(refused))
	}
	if code := grpcerr.ToStatus(refused).Code(); code != codes.Unavailable {
		t.Errorf("passed on as %v, want Unavailable", code)
	}
	for _, orig := range []*apperr.Error{errOutOfStock, apperr.NotFound("order", "o-1"), apperr.PermissionDenied("no"), apperr.Unavailable("later")} {
		if got := grpcerr.FromPeer(grpcerr.ToStatus(orig).Err()); !errors.Is(got, orig) || apperr.KindOf(got) != orig.Kind {
			t.Errorf("%v from the peer = %v, want it as it was", orig, got)
		}
	}
	if grpcerr.FromPeer(nil) != nil {
		t.Error("FromPeer(nil) is not nil")
	}
}

func TestFromStatusRoundTrip(t *testing.T) {
	originals := []*apperr.Error{
		apperr.Invalid(apperr.FieldViolation{Field: "a", Description: "bad"}, apperr.FieldViolation{Field: "b.c", Description: "worse"}),
		apperr.NotFound("order", "o-1"),
		errOutOfStock.WithMetadata("sku", "A"),
		apperr.AlreadyExists("duplicate"),
		apperr.Aborted("conflict"),
		apperr.PermissionDenied("no"),
		apperr.Unauthenticated("who"),
		apperr.ResourceExhausted("slow down"),
		apperr.Unavailable("later"),
	}
	for _, orig := range originals {
		t.Run(orig.Kind.String(), func(t *testing.T) {
			// Through a real status error, as a client receives it.
			err := grpcerr.FromError(grpcerr.ToStatus(orig).Err())
			var got *apperr.Error
			if !errors.As(err, &got) {
				t.Fatalf("FromError = %T %v, want *apperr.Error", err, err)
			}
			if got.Kind != orig.Kind || got.Reason != orig.Reason || got.Message != orig.Message ||
				!reflect.DeepEqual(got.Violations, orig.Violations) || !reflect.DeepEqual(got.Metadata, orig.Metadata) ||
				got.ResourceType != orig.ResourceType || got.ResourceName != orig.ResourceName {
				t.Fatalf("round trip = %+v, want %+v", got, orig)
			}
			if !errors.Is(err, orig) {
				t.Fatal("round-tripped error does not match the original under errors.Is")
			}
		})
	}

	for _, code := range []codes.Code{codes.Internal, codes.Unknown, codes.DeadlineExceeded, codes.Canceled, codes.DataLoss} {
		err := grpcerr.FromStatus(status.New(code, "x"))
		if apperr.KindOf(err) != apperr.KindUnknown || status.Code(err) != code {
			t.Errorf("FromStatus(%v) = %v (kind %v), want the plain status", code, err, apperr.KindOf(err))
		}
	}
	if grpcerr.FromStatus(status.New(codes.OK, "")) != nil || grpcerr.FromError(nil) != nil {
		t.Error("OK and nil must map to nil")
	}
	plain := errors.New("dial tcp: refused")
	if grpcerr.FromError(plain) != plain {
		t.Error("FromError changed an error without status")
	}
}

func TestError(t *testing.T) {
	if c := status.Code(grpcerr.Error(apperr.NotFound("order", "1"))); c != codes.NotFound {
		t.Errorf("status.Code = %v, want NotFound", c)
	}
	if grpcerr.Error(nil) != nil {
		t.Error("Error(nil) is not nil")
	}
}

func TestCode(t *testing.T) {
	for _, tt := range []struct {
		kind apperr.Kind
		code codes.Code
	}{
		{apperr.KindInvalid, codes.InvalidArgument},
		{apperr.KindAborted, codes.Aborted},
		{apperr.KindUnknown, codes.Internal},
	} {
		t.Run(tt.kind.String(), func(t *testing.T) {
			if got := grpcerr.Code(tt.kind); got != tt.code {
				t.Errorf("Code(%v) = %v, want %v", tt.kind, got, tt.code)
			}
		})
	}
}

func TestUnaryServerInterceptor(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		code    codes.Code
		wantLog bool
	}{
		{name: "ok", err: nil, code: codes.OK},
		{name: "domain error", err: apperr.NotFound("order", "1"), code: codes.NotFound},
		{name: "canceled", err: context.Canceled, code: codes.Canceled},
		{name: "unknown", err: errors.New("dial postgres: password authentication failed"), code: codes.Internal, wantLog: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&buf, nil))
			icpt := grpcerr.UnaryServerInterceptor(log)
			info := &grpc.UnaryServerInfo{FullMethod: "/crossdock.orders.v1.OrdersService/GetOrder"}
			_, err := icpt(context.Background(), nil, info, func(context.Context, any) (any, error) { return nil, tt.err })
			if status.Code(err) != tt.code {
				t.Fatalf("code = %v, want %v", status.Code(err), tt.code)
			}
			if strings.Contains(status.Convert(err).Message(), "password") {
				t.Fatalf("internal detail leaked to the client: %v", err)
			}
			logged := buf.String()
			if tt.wantLog != (logged != "") {
				t.Fatalf("logged %q, want log = %v", logged, tt.wantLog)
			}
			if tt.wantLog && (!strings.Contains(logged, info.FullMethod) || !strings.Contains(logged, "password authentication failed")) {
				t.Fatalf("log lacks method or error: %s", logged)
			}
		})
	}
}

type stubStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s stubStream) Context() context.Context { return s.ctx }

func TestStreamServerInterceptor(t *testing.T) {
	var buf bytes.Buffer
	icpt := grpcerr.StreamServerInterceptor(slog.New(slog.NewJSONHandler(&buf, nil)))
	info := &grpc.StreamServerInfo{FullMethod: "/crossdock.orders.v1.OrdersService/Watch"}
	ss := stubStream{ctx: context.Background()}

	err := icpt(nil, ss, info, func(any, grpc.ServerStream) error { return apperr.InvalidField("id", "required") })
	if status.Code(err) != codes.InvalidArgument || buf.Len() != 0 {
		t.Fatalf("domain error: code %v, log %q", status.Code(err), buf.String())
	}
	err = icpt(nil, ss, info, func(any, grpc.ServerStream) error { return errors.New("boom") })
	if status.Code(err) != codes.Internal || status.Convert(err).Message() != "internal error" || !strings.Contains(buf.String(), "boom") {
		t.Fatalf("unknown error: %v, log %q", err, buf.String())
	}
}

func TestRetryDelayBecomesRetryInfo(t *testing.T) {
	st := grpcerr.ToStatus(apperr.ResourceExhausted("too many failed logins").WithRetryDelay(90 * time.Second))
	if st.Code() != codes.ResourceExhausted {
		t.Fatalf("code %v", st.Code())
	}
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			if got := ri.GetRetryDelay().AsDuration(); got != 90*time.Second {
				t.Errorf("retry delay %v, want 90s", got)
			}
			return
		}
	}
	t.Errorf("no RetryInfo in %v", st.Details())
}
