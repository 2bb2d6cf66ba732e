// Package grpcapi is the catalog's gRPC edge: it checks the shape of every
// request, maps protobuf messages to the use cases' types and back, and
// returns the use cases' apperr errors, which the kit's interceptor turns
// into statuses (the one mapping from errors to gRPC codes). Calls are
// authenticated before they get here by the kit's interceptors;
// PublicMethods are the exceptions, where a caller is optional.
package grpcapi

import (
	"context"

	"google.golang.org/grpc"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/catalog/internal/app"
)

// PublicMethods take no access token: browsing the catalog needs no account.
var PublicMethods = []string{
	catalogv1.CatalogService_ListCategories_FullMethodName,
	catalogv1.CatalogService_ListBrands_FullMethodName,
	catalogv1.CatalogService_SearchProducts_FullMethodName,
	catalogv1.CatalogService_GetListing_FullMethodName,
	catalogv1.CatalogService_CompareOffers_FullMethodName,
}

// Server implements catalogv1.CatalogServiceServer over the use cases.
type Server struct {
	catalogv1.UnimplementedCatalogServiceServer
	svc *app.Service
}

// New returns the gRPC API of svc.
func New(svc *app.Service) *Server { return &Server{svc: svc} }

// Register adds the API to a gRPC server.
func (s *Server) Register(g grpc.ServiceRegistrar) { catalogv1.RegisterCatalogServiceServer(g, s) }

// caller returns the authenticated caller of a protected method.
func caller(ctx context.Context) (auth.Caller, error) { return auth.RequireCaller(ctx) }
