// Command orders runs the orders service. It is a skeleton: it starts, owns
// the ORDERS stream and reports healthy, but its gRPC API (OrdersService) has
// no methods yet. Checkout, order splitting, the order state machine and
// after-sale are coming.
package main

import (
	"context"

	ordersv1 "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/service"
)

func main() {
	ctx, stop := service.SignalContext()
	defer stop()
	service.Exit("orders", run(ctx))
}

func run(ctx context.Context) error {
	rt, err := service.Start(ctx, service.Spec{Name: "orders", Stream: natsx.AreaStream("orders")})
	if err != nil {
		return err
	}
	ordersv1.RegisterOrdersServiceServer(rt.Server.GRPC(), ordersv1.UnimplementedOrdersServiceServer{})
	return rt.Run(ctx)
}
