// Command users runs the users service: accounts, roles, tokens, addresses and merchant tiers.
package main

import (
	"context"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/service"
)

func main() {
	ctx, stop := service.SignalContext()
	defer stop()
	service.Exit("users", run(ctx))
}

func run(ctx context.Context) error {
	rt, err := service.Start(ctx, service.Spec{Name: "users", Stream: natsx.AreaStream("users")})
	if err != nil {
		return err
	}
	usersv1.RegisterUsersServiceServer(rt.Server.GRPC(), usersv1.UnimplementedUsersServiceServer{})
	return rt.Run(ctx)
}
