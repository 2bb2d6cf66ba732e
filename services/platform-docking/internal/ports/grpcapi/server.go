// Package grpcapi is platform-docking's gRPC edge: DockingService for
// operators and PartnerService for partners' and supplier ERPs' signed
// calls. It maps protobuf messages to the use cases' types and back and
// returns the use cases' apperr errors, which the kit's interceptor turns
// into statuses. Calls are authenticated before they get here: access
// tokens, or request signatures checked by pkg/auth (unknown client, bad
// signature, stale timestamp and replayed nonce never reach a handler).
package grpcapi

import (
	"context"

	"google.golang.org/grpc"

	dockingv1 "github.com/crossdock/crossdock/gen/crossdock/docking/v1"
	partnerv1 "github.com/crossdock/crossdock/gen/crossdock/partner/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
)

// Docking implements DockingService.
type Docking struct {
	dockingv1.UnimplementedDockingServiceServer
	svc   *app.Service
	trade *app.Trade
}

// Partners implements PartnerService.
type Partners struct {
	partnerv1.UnimplementedPartnerServiceServer
	svc   *app.Service
	trade *app.Trade
	erp   *app.ERP
}

// Register adds both services over the registry, the trade jobs and the
// ERP calls to a gRPC server.
func Register(g grpc.ServiceRegistrar, svc *app.Service, trade *app.Trade, erp *app.ERP) {
	dockingv1.RegisterDockingServiceServer(g, &Docking{svc: svc, trade: trade})
	partnerv1.RegisterPartnerServiceServer(g, &Partners{svc: svc, trade: trade, erp: erp})
}

// caller returns the authenticated caller of a protected method.
func caller(ctx context.Context) (auth.Caller, error) { return auth.RequireCaller(ctx) }
