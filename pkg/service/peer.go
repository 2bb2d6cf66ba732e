package service

import (
	"context"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/crossdock/crossdock/pkg/auth"
)

// DialPeer connects to another service of the mesh at addr. Calls carry
// this service's own token when a service account is configured;
// otherwise the caller's token is forwarded, so a lone developer setup
// still works for calls any signed-in user may make. Every unary call ends
// within PeerCallTimeout.
func (r *Runtime) DialPeer(addr string) (*grpc.ClientConn, error) {
	opts := []grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithStatsHandler(otelgrpc.NewClientHandler()),
		grpc.WithChainUnaryInterceptor(CallTimeout(r.Config.PeerCallTimeout)),
	}
	if r.ServiceTokens != nil {
		opts = append(opts, grpc.WithPerRPCCredentials(r.ServiceTokens.PerRPCCredentials()))
	} else {
		opts = append(opts, grpc.WithChainUnaryInterceptor(auth.ForwardAuthorization()))
	}
	return grpc.NewClient(addr, opts...)
}

// CallTimeout bounds every unary call made through a connection by d (0: no
// bound). The earlier of d and the caller's own deadline applies, so a
// request handler's tighter budget is kept and a worker's round, whose
// context has no deadline, no longer waits on a hung peer for ever.
func CallTimeout(d time.Duration) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if d > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, d)
			defer cancel()
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
}
