// Command platform-docking runs the platform-docking service. It is a
// skeleton: it starts, owns the DOCKING stream and reports healthy, but its
// gRPC APIs (DockingService and PartnerService) have no methods yet. Partner
// platforms, product push, order pull and reconciliation are coming.
package main

import (
	"context"

	dockingv1 "github.com/crossdock/crossdock/gen/crossdock/docking/v1"
	partnerv1 "github.com/crossdock/crossdock/gen/crossdock/partner/v1"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/service"
)

func main() {
	ctx, stop := service.SignalContext()
	defer stop()
	service.Exit("platform-docking", run(ctx))
}

func run(ctx context.Context) error {
	rt, err := service.Start(ctx, service.Spec{Name: "platform-docking", Stream: natsx.AreaStream("docking")})
	if err != nil {
		return err
	}
	// Operators manage docking through DockingService; partner platforms and
	// supplier ERPs call PartnerService.
	dockingv1.RegisterDockingServiceServer(rt.Server.GRPC(), dockingv1.UnimplementedDockingServiceServer{})
	partnerv1.RegisterPartnerServiceServer(rt.Server.GRPC(), partnerv1.UnimplementedPartnerServiceServer{})
	return rt.Run(ctx)
}
