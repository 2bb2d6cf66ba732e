// Command freight-estimator runs the freight-estimator service: the freight pre-estimate learned from shipment history.
package main

import (
	"context"

	freightv1 "github.com/crossdock/crossdock/gen/crossdock/freight/v1"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/service"
)

func main() {
	ctx, stop := service.SignalContext()
	defer stop()
	service.Exit("freight-estimator", run(ctx))
}

func run(ctx context.Context) error {
	rt, err := service.Start(ctx, service.Spec{Name: "freight-estimator", Stream: natsx.AreaStream("freight")})
	if err != nil {
		return err
	}
	freightv1.RegisterFreightServiceServer(rt.Server.GRPC(), freightv1.UnimplementedFreightServiceServer{})
	return rt.Run(ctx)
}
