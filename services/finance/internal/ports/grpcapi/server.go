// Package grpcapi is the finance service's gRPC edge: it maps protobuf
// messages to the use cases' types and back, and returns the use cases' apperr
// errors, which the kit's interceptor turns into statuses. Every method needs
// an access token, verified by the kit's interceptors before a call gets here.
package grpcapi

import (
	"context"

	"google.golang.org/grpc"

	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/finance/internal/app"
)

// PublicMethods take no access token: only the payment provider's webhook,
// which its signature authenticates.
var PublicMethods = []string{WebhookMethod}

// Server implements financev1.FinanceServiceServer over the use cases.
type Server struct {
	financev1.UnimplementedFinanceServiceServer
	svc *app.Service
}

// New returns the gRPC API of svc.
func New(svc *app.Service) *Server { return &Server{svc: svc} }

// Register adds the API to a gRPC server.
func (s *Server) Register(g grpc.ServiceRegistrar) { financev1.RegisterFinanceServiceServer(g, s) }

// caller returns the authenticated caller of a protected method.
func caller(ctx context.Context) (auth.Caller, error) { return auth.RequireCaller(ctx) }
