// Package grpcapi is the users service's gRPC edge: it checks the shape of
// every request, maps protobuf messages to the use cases' types and back, and
// returns the use cases' apperr errors, which the kit's interceptor turns into
// statuses (the one mapping from errors to gRPC codes). Calls are
// authenticated before they get here, by the kit's interceptors verifying
// tokens against the service's own key store; PublicMethods are the
// exceptions.
package grpcapi

import (
	"context"

	"google.golang.org/grpc"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/users/internal/app"
)

// PublicMethods take no access token: they are how a caller gets one.
var PublicMethods = []string{
	usersv1.UsersService_SignUp_FullMethodName,
	usersv1.UsersService_Login_FullMethodName,
	usersv1.UsersService_Refresh_FullMethodName,
	usersv1.UsersService_Logout_FullMethodName,
	usersv1.UsersService_GetJwks_FullMethodName,
	usersv1.UsersService_IssueServiceToken_FullMethodName,
}

// Server implements usersv1.UsersServiceServer over the use cases.
type Server struct {
	usersv1.UnimplementedUsersServiceServer
	svc *app.Service
}

// New returns the gRPC API of svc.
func New(svc *app.Service) *Server { return &Server{svc: svc} }

// Register adds the API to a gRPC server.
func (s *Server) Register(g grpc.ServiceRegistrar) { usersv1.RegisterUsersServiceServer(g, s) }

// caller returns the authenticated caller of a protected method.
func caller(ctx context.Context) (auth.Caller, error) { return auth.RequireCaller(ctx) }
