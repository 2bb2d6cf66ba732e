// Command catalog runs the catalog service: products, SKUs, categories, brands, translations and review.
package main

import (
	"context"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/service"
)

func main() {
	ctx, stop := service.SignalContext()
	defer stop()
	service.Exit("catalog", run(ctx))
}

func run(ctx context.Context) error {
	rt, err := service.Start(ctx, service.Spec{Name: "catalog", Stream: natsx.AreaStream("catalog")})
	if err != nil {
		return err
	}
	catalogv1.RegisterCatalogServiceServer(rt.Server.GRPC(), catalogv1.UnimplementedCatalogServiceServer{})
	return rt.Run(ctx)
}
