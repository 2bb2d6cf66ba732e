package grpcerr

import (
	"context"
	"log/slog"

	"google.golang.org/grpc"
)

// UnaryServerInterceptor converts handler errors with ToStatus. Errors it does
// not recognise are logged with the method and the full error, since the
// client only sees "internal error".
func UnaryServerInterceptor(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		if err != nil {
			return resp, convert(ctx, log, info.FullMethod, err)
		}
		return resp, nil
	}
}

// StreamServerInterceptor is UnaryServerInterceptor for streaming methods.
func StreamServerInterceptor(log *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if err := handler(srv, ss); err != nil {
			return convert(ss.Context(), log, info.FullMethod, err)
		}
		return nil
	}
}

func convert(ctx context.Context, log *slog.Logger, method string, err error) error {
	st, known := toStatus(err)
	if !known && log != nil {
		log.LogAttrs(ctx, slog.LevelError, "unexpected error",
			slog.String("grpc.method", method),
			slog.String("error", err.Error()))
	}
	return st.Err()
}
