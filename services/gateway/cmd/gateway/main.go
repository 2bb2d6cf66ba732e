// Command gateway is Crossdock's thin edge: REST/JSON for frontends mapped onto
// the services' gRPC APIs, the OpenAPI document, request ids, CORS and access
// logs. It holds no business rules.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"golang.org/x/sync/errgroup"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/config"
	"github.com/crossdock/crossdock/pkg/logging"
	"github.com/crossdock/crossdock/pkg/memlimit"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/server"
	"github.com/crossdock/crossdock/pkg/service"
	"github.com/crossdock/crossdock/pkg/telemetry"
	"github.com/crossdock/crossdock/services/gateway/internal/edge"
	"github.com/crossdock/crossdock/services/gateway/internal/httpapi"
	"github.com/crossdock/crossdock/services/gateway/internal/upstream"
)

// gatewayConfig is everything the gateway reads from the environment.
type gatewayConfig struct {
	HTTPAddr  string `env:"HTTP_ADDR" envDefault:":8000"`
	AdminAddr string `env:"ADMIN_ADDR" envDefault:":8080"`
	// Profiling serves Go's profiles on the admin port (see pkg/server).
	Profiling          bool          `env:"ADMIN_PPROF" envDefault:"false"`
	ShutdownTimeout    time.Duration `env:"SHUTDOWN_TIMEOUT" envDefault:"15s"`
	CORSAllowedOrigins []string      `env:"CORS_ALLOWED_ORIGINS"`
	MaxBodyBytes       int64         `env:"MAX_BODY_BYTES" envDefault:"1048576"`
	// UpstreamTimeout bounds every call to a service: one that hangs answers
	// 504 within it instead of holding the client's request open.
	UpstreamTimeout time.Duration `env:"UPSTREAM_TIMEOUT" envDefault:"30s"`
	// Rate limits as rate:burst (per second): every request by client address,
	// credential routes (sign-up, login, refresh) by client address, and
	// authenticated requests by token subject.
	RateLimitPerAddress  edge.Limit `env:"RATE_LIMIT_PER_ADDRESS" envDefault:"100:200"`
	RateLimitCredentials edge.Limit `env:"RATE_LIMIT_CREDENTIALS" envDefault:"1:10"`
	RateLimitPerSubject  edge.Limit `env:"RATE_LIMIT_PER_SUBJECT" envDefault:"20:40"`
	// TrustForwardedFor takes the client address from the last X-Forwarded-For
	// entry; set it only behind a proxy that appends it.
	TrustForwardedFor bool `env:"TRUST_FORWARDED_FOR" envDefault:"false"`
	Log               logging.Config
	Upstreams         upstream.Addresses
	// NATS carries the users service's revoked sessions, whose access tokens
	// the gateway refuses at once.
	NATS natsx.Config
}

// Validate checks the gateway's own settings.
func (c gatewayConfig) Validate() error {
	if c.UpstreamTimeout <= 0 {
		return errors.New("UPSTREAM_TIMEOUT must be positive")
	}
	return nil
}

func main() {
	ctx, stop := service.SignalContext()
	defer stop()
	service.Exit("gateway", run(ctx))
}

func run(ctx context.Context) error {
	var cfg gatewayConfig
	if err := config.Load(&cfg); err != nil {
		return err
	}
	log, err := logging.FromConfig(cfg.Log, os.Stderr)
	if err != nil {
		return err
	}
	log = log.With("service", "gateway")
	config.Log(log, cfg)
	if err := memlimit.Apply(log); err != nil {
		return err
	}

	shutdownTelemetry, metrics, err := telemetry.Setup(ctx, "gateway")
	if err != nil {
		return err
	}
	defer shutdownTelemetry(context.WithoutCancel(ctx))

	conns, err := upstream.Dial(cfg.Upstreams, cfg.UpstreamTimeout)
	if err != nil {
		return err
	}
	defer conns.Close()

	router, err := httpapi.NewRouter(ctx, httpapi.Routes(conns)...)
	if err != nil {
		return err
	}
	nc, js, err := natsx.Connect(ctx, cfg.NATS.URL, "gateway", log, cfg.NATS.Options()...)
	if err != nil {
		return err
	}
	defer nc.Close()
	revoked := auth.NewRevocations()
	follow := func(ctx context.Context) error { return revoked.Follow(ctx, js, log) }
	access := &edge.Access{
		Verifier: auth.NewVerifier(auth.UsersKeySource(usersv1.NewUsersServiceClient(conns.Users)),
			auth.WithRevocations(revoked)),
		Public:         httpapi.PublicRoutes,
		Credential:     httpapi.CredentialRoutes,
		PerAddress:     edge.NewLimiter(cfg.RateLimitPerAddress),
		Credentials:    edge.NewLimiter(cfg.RateLimitCredentials),
		PerSubject:     edge.NewLimiter(cfg.RateLimitPerSubject),
		TrustForwarded: cfg.TrustForwardedFor,
	}
	public := edge.Chain(router,
		edge.Recover(log),
		edge.RequestID,
		edge.NoStore(httpapi.CacheableRoutes),
		edge.AccessLog(log),
		edge.CORS(cfg.CORSAllowedOrigins),
		access.Middleware,
		edge.MaxBody(cfg.MaxBodyBytes),
	)
	public = otelhttp.NewHandler(public, "gateway")

	admin := server.NewAdmin(metrics)
	admin.Handle("GET /upstreams", conns.HealthHandler())
	if cfg.Profiling {
		server.ServeProfiles(admin.ServeMux)
	}
	return serve(ctx, log, cfg, public, admin, revoked, follow)
}

// publicServer is the public server. Its ReadTimeout bounds a request's
// whole reading, its body too: a client trickling a body a byte at a time
// (a public route such as the login needs no token) holds no connection
// longer than that. Its WriteTimeout runs from the end of the headers, so
// it leaves room for the body's reading and the token's check (a key fetch
// included) before the upstream call's own bound, and a slow upload to a
// hung service still gets its 504.
func publicServer(h http.Handler, upstreamTimeout time.Duration) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: publicReadTimeout,
		WriteTimeout: publicReadTimeout + upstreamTimeout + publicWriteMargin, IdleTimeout: 2 * time.Minute}
}

// publicReadTimeout is how long a public request may take to arrive,
// headers and body: a body of the largest size allowed comes in well within
// it on any connection worth serving.
const publicReadTimeout = 20 * time.Second

// publicWriteMargin is how long past the body's reading and UPSTREAM_TIMEOUT
// a public response may take to be written: the token's check (a fetch of
// the users service's keys takes up to 10 s) and the time to render and send
// a service's answer.
const publicWriteMargin = 15 * time.Second

// serve runs the public and admin HTTP servers and the background workers
// until ctx ends, then drains both servers within the shutdown timeout.
func serve(ctx context.Context, log *slog.Logger, cfg gatewayConfig, public http.Handler, admin *server.Admin, revoked *auth.Revocations,
	workers ...func(context.Context) error) error {
	publicLis, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen HTTP_ADDR %s: %w", cfg.HTTPAddr, err)
	}
	adminLis, err := net.Listen("tcp", cfg.AdminAddr)
	if err != nil {
		publicLis.Close()
		return fmt.Errorf("listen ADMIN_ADDR %s: %w", cfg.AdminAddr, err)
	}
	// The public server's WriteTimeout is a backstop behind UPSTREAM_TIMEOUT,
	// which answers a hung service with 504 first: it bounds whatever else
	// could hold a response (a client reading it slowly), and cuts the
	// connection without an answer, so it must not fire before the 504.
	servers := []*http.Server{publicServer(public, cfg.UpstreamTimeout), {Handler: admin, ReadHeaderTimeout: 5 * time.Second}}
	g, gctx := errgroup.WithContext(ctx)
	for i, lis := range []net.Listener{publicLis, adminLis} {
		g.Go(func() error {
			if err := servers[i].Serve(lis); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
	}
	for _, w := range workers {
		g.Go(func() error { return w(gctx) })
	}
	// Ready once the sessions revoked before the start are known, or a bound
	// later (NATS slow to answer): a replica taking traffic before would
	// accept a session's tokens revoked a moment ago.
	revoked.AwaitCatchUp(gctx, log)
	admin.SetReady(true)
	log.Info("serving", "http", publicLis.Addr().String(), "admin", adminLis.Addr().String())
	g.Go(func() error {
		<-gctx.Done()
		admin.SetReady(false)
		sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		return errors.Join(servers[0].Shutdown(sctx), servers[1].Shutdown(sctx))
	})
	err = g.Wait()
	log.Info("stopped", "error", err)
	return err
}
