// Package grpcapi is the logistics service's gRPC edge: it checks the shape
// of every request, maps protobuf messages to the use cases' types and back,
// and returns the use cases' apperr errors, which the kit's interceptor turns
// into statuses. Calls are authenticated before they get here by the kit's
// interceptors; PublicMethods are the exceptions.
package grpcapi

import (
	"context"

	"google.golang.org/grpc"

	logisticsv1 "github.com/crossdock/crossdock/gen/crossdock/logistics/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/logistics/internal/app"
)

// PublicMethods take no access token: a carrier's webhook is authenticated
// by its signature.
var PublicMethods = []string{
	logisticsv1.LogisticsService_HandleCarrierWebhook_FullMethodName,
}

// Server implements the logistics and carrier services over the use cases.
type Server struct {
	logisticsv1.UnimplementedLogisticsServiceServer
	svc *app.Service
}

// Carriers implements CarrierService.
type Carriers struct {
	logisticsv1.UnimplementedCarrierServiceServer
	svc *app.Service
}

// New returns the gRPC API of svc.
func New(svc *app.Service) *Server { return &Server{svc: svc} }

// Register adds both services to a gRPC server.
func (s *Server) Register(g grpc.ServiceRegistrar) {
	logisticsv1.RegisterLogisticsServiceServer(g, s)
	logisticsv1.RegisterCarrierServiceServer(g, &Carriers{svc: s.svc})
}

// caller returns the authenticated caller of a protected method.
func caller(ctx context.Context) (auth.Caller, error) { return auth.RequireCaller(ctx) }
