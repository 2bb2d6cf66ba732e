// Command logistics runs the logistics service. It is a skeleton: it starts,
// owns the LOGISTICS stream (which the freight estimator consumes completed
// shipments from) and reports healthy, but its gRPC API (LogisticsService) has
// no methods yet. Shipments, carriers, waybills, tracking and freight charges
// are coming.
package main

import (
	"context"

	logisticsv1 "github.com/crossdock/crossdock/gen/crossdock/logistics/v1"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/service"
)

func main() {
	ctx, stop := service.SignalContext()
	defer stop()
	service.Exit("logistics", run(ctx))
}

func run(ctx context.Context) error {
	rt, err := service.Start(ctx, service.Spec{Name: "logistics", Stream: natsx.AreaStream("logistics")})
	if err != nil {
		return err
	}
	logisticsv1.RegisterLogisticsServiceServer(rt.Server.GRPC(), logisticsv1.UnimplementedLogisticsServiceServer{})
	return rt.Run(ctx)
}
