// Package grpcapi is the freight estimator's gRPC edge: it maps protobuf
// messages to the use cases' types and back, and returns the use cases' apperr
// errors, which the kit's interceptor turns into statuses (the one mapping from
// errors to gRPC codes). Every method needs an access token, verified by the
// kit's interceptors before a call gets here.
package grpcapi

import (
	"context"

	"google.golang.org/grpc"

	freightv1 "github.com/crossdock/crossdock/gen/crossdock/freight/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/app"
)

// PublicMethods take no access token: none, every estimate has a caller.
var PublicMethods []string

// Server implements freightv1.FreightServiceServer over the use cases.
type Server struct {
	freightv1.UnimplementedFreightServiceServer
	svc *app.Service
}

// New returns the gRPC API of svc.
func New(svc *app.Service) *Server { return &Server{svc: svc} }

// Register adds the API to a gRPC server.
func (s *Server) Register(g grpc.ServiceRegistrar) { freightv1.RegisterFreightServiceServer(g, s) }

// caller returns the authenticated caller of a protected method.
func caller(ctx context.Context) (auth.Caller, error) { return auth.RequireCaller(ctx) }
