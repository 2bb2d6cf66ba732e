package service

import (
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/crossdock/crossdock/pkg/auth"
)

// DialPeer connects to another service of the mesh at addr. Calls carry
// this service's own token when a service account is configured;
// otherwise the caller's token is forwarded, so a lone developer setup
// still works for calls any signed-in user may make.
func (r *Runtime) DialPeer(addr string) (*grpc.ClientConn, error) {
	opts := []grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithStatsHandler(otelgrpc.NewClientHandler()),
	}
	if r.ServiceTokens != nil {
		opts = append(opts, grpc.WithPerRPCCredentials(r.ServiceTokens.PerRPCCredentials()))
	} else {
		opts = append(opts, grpc.WithChainUnaryInterceptor(auth.ForwardAuthorization()))
	}
	return grpc.NewClient(addr, opts...)
}
