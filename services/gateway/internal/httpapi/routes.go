package httpapi

import (
	"context"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/services/gateway/internal/upstream"
)

// Routes registers every service whose methods proto/gateway.yaml maps to REST,
// each over its upstream connection.
func Routes(conns *upstream.Conns) []Registrar {
	return []Registrar{
		func(ctx context.Context, mux *runtime.ServeMux) error {
			return usersv1.RegisterUsersServiceHandlerClient(ctx, mux, usersv1.NewUsersServiceClient(conns.Users))
		},
	}
}
