// Command finance runs the finance service: the double-entry ledger, escrow, FX, payments and settlement.
package main

import (
	"context"

	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/service"
)

func main() {
	ctx, stop := service.SignalContext()
	defer stop()
	service.Exit("finance", run(ctx))
}

func run(ctx context.Context) error {
	rt, err := service.Start(ctx, service.Spec{Name: "finance", Stream: natsx.AreaStream("finance")})
	if err != nil {
		return err
	}
	financev1.RegisterFinanceServiceServer(rt.Server.GRPC(), financev1.UnimplementedFinanceServiceServer{})
	return rt.Run(ctx)
}
