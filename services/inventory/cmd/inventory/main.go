// Command inventory runs the inventory service: stock per SKU and warehouse, reservations and the stock journal.
package main

import (
	"context"

	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/service"
)

func main() {
	ctx, stop := service.SignalContext()
	defer stop()
	service.Exit("inventory", run(ctx))
}

func run(ctx context.Context) error {
	rt, err := service.Start(ctx, service.Spec{Name: "inventory", Stream: natsx.AreaStream("inventory")})
	if err != nil {
		return err
	}
	inventoryv1.RegisterInventoryServiceServer(rt.Server.GRPC(), inventoryv1.UnimplementedInventoryServiceServer{})
	return rt.Run(ctx)
}
