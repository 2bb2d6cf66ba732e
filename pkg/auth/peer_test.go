package auth_test

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/server/grpcerr"
	"github.com/crossdock/crossdock/pkg/testkit"
)

// newClock is a settable time source shared by a test and the code under
// test.
func newClock() *testkit.Clock { return testkit.NewClock(time.Unix(1_800_000_000, 0)) }

// usersPeer is a small users service: enough of the contract (GetJwks,
// IssueServiceToken, GetApiClientKeys, GetMe, Login) for the auth code to talk
// to a real gRPC peer over a loopback listener.
type usersPeer struct {
	usersv1.UnimplementedUsersServiceServer

	key       auth.SigningKey
	now       func() time.Time
	clientID  string // the service account IssueServiceToken accepts
	secret    string
	tokenTTL  time.Duration
	apiKeys   map[string]*usersv1.GetApiClientKeysResponse
	next      usersv1.UsersServiceClient // when set, GetMe asks it instead
	jwksCalls atomic.Int32
	issued    atomic.Int32
	keyCalls  atomic.Int32
	keysHeld  chan struct{} // when set, GetApiClientKeys answers once it is closed
	loginSaw  atomic.Pointer[auth.Caller]
	refuse    atomic.Bool // IssueServiceToken refuses everyone
}

// publicUsersMethods take no token, as in the users contract.
var publicUsersMethods = []string{
	usersv1.UsersService_SignUp_FullMethodName,
	usersv1.UsersService_Login_FullMethodName,
	usersv1.UsersService_Refresh_FullMethodName,
	usersv1.UsersService_GetJwks_FullMethodName,
	usersv1.UsersService_IssueServiceToken_FullMethodName,
}

func newUsersPeer(t *testing.T) *usersPeer {
	t.Helper()
	key, err := auth.NewSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	return &usersPeer{key: key, now: time.Now, clientID: "svc-orders", secret: "s3cret-orders", tokenTTL: auth.AccessTokenTTL}
}

func (p *usersPeer) GetJwks(context.Context, *usersv1.GetJwksRequest) (*usersv1.GetJwksResponse, error) {
	p.jwksCalls.Add(1)
	return auth.JWKS{Keys: []auth.JWK{p.key.JWK()}}.Proto(), nil
}

func (p *usersPeer) IssueServiceToken(_ context.Context, req *usersv1.IssueServiceTokenRequest) (*usersv1.IssueServiceTokenResponse, error) {
	if req.GetClientId() != p.clientID || req.GetClientSecret() != p.secret || p.refuse.Load() {
		return nil, apperr.Unauthenticated("invalid client credentials")
	}
	p.issued.Add(1)
	tok, err := auth.Sign(p.key, auth.Caller{Subject: p.clientID, Kind: auth.KindService, Roles: []string{auth.RoleService}}, p.tokenTTL, p.now())
	if err != nil {
		return nil, err
	}
	return &usersv1.IssueServiceTokenResponse{AccessToken: tok, ExpiresIn: int64(p.tokenTTL / time.Second)}, nil
}

func (p *usersPeer) GetApiClientKeys(ctx context.Context, req *usersv1.GetApiClientKeysRequest) (*usersv1.GetApiClientKeysResponse, error) {
	c, err := auth.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	if !c.HasRole(auth.RoleService) {
		return nil, apperr.PermissionDenied("service accounts only")
	}
	p.keyCalls.Add(1)
	if p.keysHeld != nil {
		<-p.keysHeld
	}
	resp, ok := p.apiKeys[req.GetClientId()]
	if !ok {
		return nil, apperr.NotFound("api client", req.GetClientId())
	}
	return resp, nil
}

func (p *usersPeer) GetMe(ctx context.Context, req *usersv1.GetMeRequest) (*usersv1.GetMeResponse, error) {
	if p.next != nil {
		return p.next.GetMe(ctx, req)
	}
	c, err := auth.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	return &usersv1.GetMeResponse{User: &usersv1.User{
		UserId: c.Subject, Roles: c.Roles, OrganizationId: c.OrganizationID, OrganizationRole: c.OrganizationRole,
	}}, nil
}

func (p *usersPeer) Login(ctx context.Context, _ *usersv1.LoginRequest) (*usersv1.LoginResponse, error) {
	c, _ := auth.CallerFrom(ctx)
	p.loginSaw.Store(&c)
	return &usersv1.LoginResponse{}, nil
}

// serve runs p on a loopback listener until the test ends and returns its
// address. Errors become statuses as under pkg/server: the error mapping is
// the outermost interceptor, so opts run inside it.
func serve(t *testing.T, p *usersPeer, opts ...grpc.ServerOption) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(append([]grpc.ServerOption{
		grpc.ChainUnaryInterceptor(grpcerr.UnaryServerInterceptor(nil)),
		grpc.ChainStreamInterceptor(grpcerr.StreamServerInterceptor(nil)),
	}, opts...)...)
	usersv1.RegisterUsersServiceServer(srv, p)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}

// dial connects to addr without transport security, as inside the mesh.
func dial(t *testing.T, addr string, opts ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func usersClient(conn *grpc.ClientConn) usersv1.UsersServiceClient {
	return usersv1.NewUsersServiceClient(conn)
}

// codeOf is the gRPC code a client would receive for err, whether err came
// over the wire or straight from the code under test.
func codeOf(err error) codes.Code {
	return grpcerr.ToStatus(err).Code()
}
