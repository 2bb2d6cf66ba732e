package service_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/internal/eventstest"
	"github.com/crossdock/crossdock/pkg/logging"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/server"
	"github.com/crossdock/crossdock/pkg/service"
	"github.com/crossdock/crossdock/pkg/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// The runtime starts NOT_SERVING, migrates, ensures its stream, reads the
// recent session revocations (once the users service's stream is there),
// relays its outbox, reports SERVING, and stops cleanly when its context
// ends.
func TestRuntimeServesOnceDependenciesAreReadyAndRelaysItsOutbox(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "service-runtime"})
	nats, _, js := testkit.JetStream(t)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rt, done := start(ctx, t, nats.URL(), pool.Config().ConnString(), nil)

	// Migrated, with no revocations read: not ready for that alone.
	eventstest.Eventually(t, 10*time.Second, func() bool {
		return slices.Equal(failingChecks(rt), []string{"session-revocations"})
	}, "/readyz never reported the revocations alone failing")
	testkit.UsersStream(t, js)

	conn, err := grpc.NewClient(rt.Server.GRPCAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	health := healthpb.NewHealthClient(conn)
	eventstest.Eventually(t, 20*time.Second, func() bool {
		resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{})
		return err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING
	}, "runtime never reported SERVING")

	// The relay runs: an event committed through the outbox reaches the stream.
	testkit.Emit(t, rt.Pool, "things.thing.created", wrapperspb.String("x"))
	eventstest.Eventually(t, 10*time.Second, func() bool {
		s, err := rt.JS.Stream(ctx, "THINGS")
		if err != nil {
			return false
		}
		info, err := s.Info(ctx)
		return err == nil && info.State.Msgs == 1
	}, "the outbox event never reached the THINGS stream")

	cancel()
	waitStopped(t, done)
}

// Without a reachable database the runtime serves health but reports
// NOT_SERVING, naming the failing checks on /readyz, and still stops cleanly.
func TestRuntimeIsNotServingWithoutItsDatabase(t *testing.T) {
	nats, _, _ := testkit.JetStream(t)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := closed.Addr().String()
	closed.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rt, done := start(ctx, t, nats.URL(), "postgres://nobody:pw@"+deadAddr+"/nothing?connect_timeout=1", nil)

	var failing []string
	eventstest.Eventually(t, 10*time.Second, func() bool {
		failing = failingChecks(rt)
		return len(failing) > 0
	}, "/readyz never reported the failing checks")
	if !slices.Contains(failing, "postgres") || !slices.Contains(failing, "migrations") || slices.Contains(failing, "nats") {
		t.Errorf("failing checks = %v, want postgres and migrations (not nats)", failing)
	}
	conn, err := grpc.NewClient(rt.Server.GRPCAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("health = %v, %v; want NOT_SERVING", resp.GetStatus(), err)
	}
	cancel()
	waitStopped(t, done)
}

// Every method but the public ones needs a valid access token.
func TestRuntimeAuthenticatesCalls(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "service-runtime"})
	nats, _, _ := testkit.JetStream(t)
	key, err := auth.NewSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rt, done := start(ctx, t, nats.URL(), pool.Config().ConnString(), func(spec *service.Spec) {
		spec.KeySource = auth.StaticKeySource(key.JWK())
		spec.PublicMethods = []string{usersv1.UsersService_Login_FullMethodName}
	}, func(rt *service.Runtime) {
		usersv1.RegisterUsersServiceServer(rt.Server.GRPC(), usersv1.UnimplementedUsersServiceServer{})
	})
	conn, err := grpc.NewClient(rt.Server.GRPCAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	users := usersv1.NewUsersServiceClient(conn)

	token, err := auth.Sign(key, auth.Caller{Subject: "u1", Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}}, time.Minute, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	withToken := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
	tests := []struct {
		name string
		call func() error
		want codes.Code
	}{
		{"private without token", func() error { _, err := users.GetMe(ctx, &usersv1.GetMeRequest{}); return err }, codes.Unauthenticated},
		{"private with garbage token", func() error {
			_, err := users.GetMe(metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer x.y.z"), &usersv1.GetMeRequest{})
			return err
		}, codes.Unauthenticated},
		{"private with valid token reaches the handler", func() error { _, err := users.GetMe(withToken, &usersv1.GetMeRequest{}); return err }, codes.Unimplemented},
		{"public without token reaches the handler", func() error { _, err := users.Login(ctx, &usersv1.LoginRequest{}); return err }, codes.Unimplemented},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := status.Code(tt.call()); got != tt.want {
				t.Errorf("code = %v, want %v", got, tt.want)
			}
		})
	}
	cancel()
	waitStopped(t, done)
}

// start runs a runtime named "things" on free ports; done yields Run's result.
// adjust changes the spec; register adds gRPC services before Run.
// failingChecks returns the readiness checks /readyz names failing, with
// its answer 503; none when it answers otherwise or not at all.
func failingChecks(rt *service.Runtime) []string {
	resp, err := http.Get("http://" + rt.Server.AdminAddr().String() + "/readyz")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var body struct {
		Failing []string `json:"failing"`
	}
	if resp.StatusCode != http.StatusServiceUnavailable || json.NewDecoder(resp.Body).Decode(&body) != nil {
		return nil
	}
	return body.Failing
}

func start(ctx context.Context, t *testing.T, natsURL, databaseURL string, adjust func(*service.Spec), register ...func(*service.Runtime)) (*service.Runtime, <-chan error) {
	t.Helper()
	var cfg service.Config
	cfg.Server = server.Config{GRPCAddr: "127.0.0.1:0", AdminAddr: "127.0.0.1:0", ReadinessInterval: 50 * time.Millisecond}
	cfg.Log = logging.Config{Level: "error", Format: "text"}
	cfg.NATS.URL = natsURL
	cfg.Postgres.URL = databaseURL
	cfg.OutboxRetention = time.Hour
	cfg.Streams.Replicas = 1
	spec := service.Spec{Name: "things", Stream: natsx.AreaStream("things")}
	if adjust != nil {
		adjust(&spec)
	}
	rt, err := service.New(ctx, spec, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range register {
		r(rt)
	}
	if err := rt.Server.Listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- rt.Run(ctx) }()
	return rt, done
}

func waitStopped(t *testing.T, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after cancel = %v, want nil", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

// Signed requests are verified with keys only a service account may read, so
// a service that accepts them refuses to start without one.
func TestSignedRequestsNeedAServiceAccount(t *testing.T) {
	var cfg service.Config
	cfg.Server = server.Config{GRPCAddr: "127.0.0.1:0", AdminAddr: "127.0.0.1:0"}
	cfg.Log = logging.Config{Level: "error", Format: "text"}
	cfg.NATS.URL = "nats://127.0.0.1:1"
	cfg.Postgres.URL = "postgres://nobody@127.0.0.1:1/none"
	cfg.Auth.UsersAddr = "127.0.0.1:1"
	spec := service.Spec{Name: "things", Stream: natsx.AreaStream("things"), SignedRequests: true}
	_, err := service.New(context.Background(), spec, cfg)
	if err == nil || !strings.Contains(err.Error(), "SERVICE_CLIENT_ID") {
		t.Fatalf("New without a service account = %v, want an error naming SERVICE_CLIENT_ID", err)
	}
	cfg.Auth.ServiceClientID, cfg.Auth.ServiceClientSecret = "svc-things", "things-secret-0001"
	rt, err := service.New(context.Background(), spec, cfg)
	if err != nil {
		t.Fatalf("New with a service account: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = rt.Run(ctx) // releases what New opened
}

// drainingUsers answers GetMe only when released, committing an event
// through the outbox first: a call still running when shutdown begins.
type drainingUsers struct {
	usersv1.UnimplementedUsersServiceServer
	t       *testing.T
	pool    func() *pgxpool.Pool
	entered chan struct{}
	release chan struct{}
}

func (d drainingUsers) GetMe(context.Context, *usersv1.GetMeRequest) (*usersv1.GetMeResponse, error) {
	close(d.entered)
	<-d.release
	testkit.Emit(d.t, d.pool(), "things.thing.created", wrapperspb.String("committed while draining"))
	return &usersv1.GetMeResponse{}, nil
}

// Shutting down, the server drains before the relay stops: the event a
// call still running commits reaches the stream before Run returns,
// instead of waiting in the outbox for another replica. So it is when a
// worker's failure stops the runtime: before, the relay stopped at once and
// published nothing of the calls the server was still draining.
func TestEventsOfCallsDrainingAtShutdownArePublished(t *testing.T) {
	for _, tc := range []struct {
		name    string
		wantErr bool
	}{{"the context ends", false}, {"a worker fails", true}} {
		t.Run(tc.name, func(t *testing.T) {
			pool := testkit.Database(t, testkit.Migrations{Name: "service-runtime"})
			nats, _, js := testkit.JetStream(t)
			key, err := auth.NewSigningKey()
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			testkit.UsersStream(t, js)
			var rt *service.Runtime
			users := drainingUsers{t: t, pool: func() *pgxpool.Pool { return rt.Pool }, entered: make(chan struct{}), release: make(chan struct{})}
			fail := make(chan struct{})
			rt, done := start(ctx, t, nats.URL(), pool.Config().ConnString(), func(spec *service.Spec) {
				spec.KeySource = auth.StaticKeySource(key.JWK())
			}, func(rt *service.Runtime) {
				usersv1.RegisterUsersServiceServer(rt.Server.GRPC(), users)
				rt.Go("breaks", func(ctx context.Context) error {
					select {
					case <-fail:
						return errors.New("broken")
					case <-ctx.Done():
						return nil
					}
				})
			})
			conn, err := grpc.NewClient(rt.Server.GRPCAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			eventstest.Eventually(t, 20*time.Second, func() bool {
				resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
				return err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING
			}, "runtime never reported SERVING")
			token, err := auth.Sign(key, auth.Caller{Subject: "u1", Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}}, time.Minute, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			answered := make(chan error, 1)
			go func() {
				call := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+token)
				_, err := usersv1.NewUsersServiceClient(conn).GetMe(call, &usersv1.GetMeRequest{})
				answered <- err
			}()
			<-users.entered
			if tc.wantErr {
				close(fail) // the worker fails with the call in flight
			} else {
				cancel() // shutdown begins with the call in flight
			}
			eventstest.Eventually(t, 10*time.Second, func() bool { return !rt.Server.Ready() }, "the runtime never began to drain")
			close(users.release)
			if err := <-answered; err != nil {
				t.Fatalf("the draining call: %v", err)
			}
			select {
			case err := <-done:
				if (err != nil) != tc.wantErr {
					t.Errorf("Run = %v, want an error %v", err, tc.wantErr)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("Run did not return")
			}
			s, err := js.Stream(context.Background(), "THINGS")
			if err != nil {
				t.Fatal(err)
			}
			if info, err := s.Info(context.Background()); err != nil || info.State.Msgs != 1 {
				t.Errorf("the stream holds %v messages (%v), want the drained call's event", info.State.Msgs, err)
			}
		})
	}
}
