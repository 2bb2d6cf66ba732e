package textguard

import (
	"context"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// UnaryServerInterceptor refuses a request with a bad string before the
// handler sees it. Its error is an apperr error, mapped to InvalidArgument
// with field violations by the kit's error interceptor.
func UnaryServerInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if m, ok := req.(proto.Message); ok {
			if err := Check(m); err != nil {
				return nil, err
			}
		}
		return handler(ctx, req)
	}
}

// StreamServerInterceptor checks every message a client streams in.
func StreamServerInterceptor() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return handler(srv, checkedStream{ss})
	}
}

type checkedStream struct{ grpc.ServerStream }

func (s checkedStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	if pm, ok := m.(proto.Message); ok {
		return Check(pm)
	}
	return nil
}

// UnaryClientInterceptor refuses to send a request with a bad string and
// answers InvalidArgument with field violations itself. A caller that builds
// requests from untrusted input (the gateway, from paths and query strings)
// needs it: a string with invalid UTF-8 cannot be marshalled, and grpc-go
// would report that as an Internal error that names no field.
func UnaryClientInterceptor() grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if m, ok := req.(proto.Message); ok {
			if err := Status(m); err != nil {
				return err
			}
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
}

// Status is Check as a gRPC status error (InvalidArgument with a
// google.rpc.BadRequest), for code that answers without the kit's error
// interceptor in between.
func Status(m proto.Message) error {
	vs := Violations(m)
	if len(vs) == 0 {
		return nil
	}
	br := &errdetails.BadRequest{}
	msg := "invalid request: "
	for i, v := range vs {
		br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{Field: v.Field, Description: v.Description})
		if i > 0 {
			msg += "; "
		}
		msg += v.Field + ": " + v.Description
	}
	st, err := status.New(codes.InvalidArgument, msg).WithDetails(br)
	if err != nil {
		return status.Error(codes.InvalidArgument, msg)
	}
	return st.Err()
}
