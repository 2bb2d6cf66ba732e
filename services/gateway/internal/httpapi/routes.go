package httpapi

import (
	"context"
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	dockingv1 "github.com/crossdock/crossdock/gen/crossdock/docking/v1"
	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	freightv1 "github.com/crossdock/crossdock/gen/crossdock/freight/v1"
	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	logisticsv1 "github.com/crossdock/crossdock/gen/crossdock/logistics/v1"
	ordersv1 "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
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
		func(ctx context.Context, mux *runtime.ServeMux) error {
			return catalogv1.RegisterCatalogServiceHandlerClient(ctx, mux, catalogv1.NewCatalogServiceClient(conns.Catalog))
		},
		func(ctx context.Context, mux *runtime.ServeMux) error {
			return inventoryv1.RegisterInventoryServiceHandlerClient(ctx, mux, inventoryv1.NewInventoryServiceClient(conns.Inventory))
		},
		func(ctx context.Context, mux *runtime.ServeMux) error {
			return freightv1.RegisterFreightServiceHandlerClient(ctx, mux, freightv1.NewFreightServiceClient(conns.FreightEstimator))
		},
		func(ctx context.Context, mux *runtime.ServeMux) error {
			return financev1.RegisterFinanceServiceHandlerClient(ctx, mux, financev1.NewFinanceServiceClient(conns.Finance))
		},
		func(ctx context.Context, mux *runtime.ServeMux) error {
			return financev1.RegisterWalletServiceHandlerClient(ctx, mux, financev1.NewWalletServiceClient(conns.Finance))
		},
		func(ctx context.Context, mux *runtime.ServeMux) error {
			return financev1.RegisterEscrowServiceHandlerClient(ctx, mux, financev1.NewEscrowServiceClient(conns.Finance))
		},
		func(ctx context.Context, mux *runtime.ServeMux) error {
			return financev1.RegisterLedgerServiceHandlerClient(ctx, mux, financev1.NewLedgerServiceClient(conns.Finance))
		},
		func(ctx context.Context, mux *runtime.ServeMux) error {
			return ordersv1.RegisterOrdersServiceHandlerClient(ctx, mux, ordersv1.NewOrdersServiceClient(conns.Orders))
		},
		func(ctx context.Context, mux *runtime.ServeMux) error {
			return ordersv1.RegisterAfterSaleServiceHandlerClient(ctx, mux, ordersv1.NewAfterSaleServiceClient(conns.Orders))
		},
		func(ctx context.Context, mux *runtime.ServeMux) error {
			return ordersv1.RegisterCouponsServiceHandlerClient(ctx, mux, ordersv1.NewCouponsServiceClient(conns.Orders))
		},
		func(ctx context.Context, mux *runtime.ServeMux) error {
			return ordersv1.RegisterSalesServiceHandlerClient(ctx, mux, ordersv1.NewSalesServiceClient(conns.Orders))
		},
		func(ctx context.Context, mux *runtime.ServeMux) error {
			return dockingv1.RegisterDockingServiceHandlerClient(ctx, mux, dockingv1.NewDockingServiceClient(conns.PlatformDocking))
		},
		func(ctx context.Context, mux *runtime.ServeMux) error {
			return logisticsv1.RegisterLogisticsServiceHandlerClient(ctx, mux, logisticsv1.NewLogisticsServiceClient(conns.Logistics))
		},
		func(ctx context.Context, mux *runtime.ServeMux) error {
			return logisticsv1.RegisterCarrierServiceHandlerClient(ctx, mux, logisticsv1.NewCarrierServiceClient(conns.Logistics))
		},
		func(_ context.Context, mux *runtime.ServeMux) error {
			return mux.HandlePath(http.MethodPost, providerWebhookPath, providerWebhook(mux, financev1.NewWalletServiceClient(conns.Finance)))
		},
		func(_ context.Context, mux *runtime.ServeMux) error {
			return mux.HandlePath(http.MethodPost, carrierWebhookPath, carrierWebhook(mux, logisticsv1.NewLogisticsServiceClient(conns.Logistics)))
		},
	}
}
