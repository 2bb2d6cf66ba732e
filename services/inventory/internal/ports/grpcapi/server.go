// Package grpcapi is the inventory service's gRPC edge: it checks the shape
// of every request, maps protobuf messages to the use cases' types and back,
// and returns the use cases' apperr errors, which the kit's interceptor turns
// into statuses (the one mapping from errors to gRPC codes). Calls are
// authenticated before they get here by the kit's interceptors; PublicMethods
// are the exceptions.
package grpcapi

import (
	"context"

	"google.golang.org/grpc"

	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/inventory/internal/app"
)

// PublicMethods take no access token: availability is shown to anyone
// browsing the catalogue.
var PublicMethods = []string{
	inventoryv1.InventoryService_GetAvailability_FullMethodName,
}

// Server implements inventoryv1.InventoryServiceServer over the use cases.
type Server struct {
	inventoryv1.UnimplementedInventoryServiceServer
	svc *app.Service
}

// New returns the gRPC API of svc.
func New(svc *app.Service) *Server { return &Server{svc: svc} }

// Register adds the API to a gRPC server.
func (s *Server) Register(g grpc.ServiceRegistrar) { inventoryv1.RegisterInventoryServiceServer(g, s) }

// caller returns the authenticated caller of a protected method.
func caller(ctx context.Context) (auth.Caller, error) { return auth.RequireCaller(ctx) }
