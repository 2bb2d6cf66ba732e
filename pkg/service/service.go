// Package service wires the kit into a running backend service: configuration,
// logging, telemetry, the PostgreSQL pool and migrations, NATS and the service's
// own stream, the outbox relay, background consumers and the gRPC server. A
// service's main builds a Runtime, registers its gRPC API and calls Run; all the
// wiring is here, once, instead of nine times.
package service

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/metric"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/auth"

	"github.com/crossdock/crossdock/pkg/config"
	"github.com/crossdock/crossdock/pkg/deadletters"
	"github.com/crossdock/crossdock/pkg/inbox"
	"github.com/crossdock/crossdock/pkg/logging"
	"github.com/crossdock/crossdock/pkg/memlimit"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/pkg/retry"
	"github.com/crossdock/crossdock/pkg/server"
	"github.com/crossdock/crossdock/pkg/telemetry"
)

// Config is what every backend service reads from the environment.
type Config struct {
	Server   server.Config
	Log      logging.Config
	NATS     natsx.Config
	Postgres pg.Config
	// OutboxRetention keeps published events for re-publishing by id.
	OutboxRetention time.Duration `env:"OUTBOX_RETENTION" envDefault:"168h"`
	// PeerCallTimeout bounds every unary call to another service of the mesh
	// (and to the users service for keys and tokens): a peer that hangs
	// costs a worker's round or a handler at most this, then DeadlineExceeded,
	// instead of holding it for as long as the connection lives. A caller's
	// own earlier deadline still wins; 0 sets no bound.
	PeerCallTimeout time.Duration `env:"PEER_CALL_TIMEOUT" envDefault:"30s"`
	Auth            AuthConfig
	// Streams are the replicas and limits of the service's own stream and of
	// the dead-letter stream its consumers write to.
	Streams natsx.StreamSettings
}

// AuthConfig says where access tokens are verified against and how the service
// authenticates its own calls.
type AuthConfig struct {
	// UsersAddr is the users service, which publishes the token-verification
	// keys (JWKS) and issues service tokens.
	UsersAddr string `env:"USERS_ADDR" envDefault:"127.0.0.1:9101"`
	// ServiceClientID and ServiceClientSecret are this service's own account, for
	// work on its own behalf (event handlers, schedulers); optional until a
	// service calls another on its own behalf.
	ServiceClientID     string `env:"SERVICE_CLIENT_ID"`
	ServiceClientSecret string `env:"SERVICE_CLIENT_SECRET" secret:"true"`
}

// Spec is what distinguishes one service from another at start-up.
type Spec struct {
	// Name is the service's name: logs, metrics, traces, health.
	Name string
	// Stream is the JetStream stream of the area this service owns.
	Stream natsx.StreamSpec
	// Migrations are the service's goose files (nil for none yet); the kit's
	// outbox and inbox tables are always applied.
	Migrations fs.FS
	// PublicMethods are the full gRPC method names callable without an access
	// token; every other method needs a valid one (health and reflection are
	// always public).
	PublicMethods []string
	// KeySource supplies the keys access tokens are verified with; nil fetches
	// the users service's JWKS. The users service passes its own key store.
	KeySource auth.KeySource
	// ServerOptions are extra gRPC server options; they run inside the kit's
	// recovery, error mapping and authentication.
	ServerOptions []grpc.ServerOption
	// SignedRequests also accepts unary calls signed by partner platforms'
	// and supplier ERPs' API clients (see auth.SignedUnaryServerInterceptor),
	// besides access tokens. Their keys are looked up in the users service
	// with the service's own account, and their nonces are remembered in
	// the service's database so a replay to another replica fails too.
	SignedRequests bool
	// Settings is the service's whole configuration when it extends Config
	// with settings of its own; New logs it (or Config when nil) in one line
	// with secrets masked, so a main never lists its settings again to log
	// them.
	Settings any
}

// apiClientCacheTTL is how long an API client's keys are trusted without
// asking the users service again: a disabled client stops within it.
const apiClientCacheTTL = time.Minute

// Runtime is a service's wired dependencies. Create it with New, register the
// gRPC API on Server.GRPC(), add consumers with Go, then Run.
type Runtime struct {
	Name   string
	Config Config
	Log    *slog.Logger
	Pool   *pgxpool.Pool
	NC     *nats.Conn
	JS     jetstream.JetStream
	Server *server.Server
	// Users is a connection to the users service (nil in the users service).
	Users *grpc.ClientConn
	// ServiceTokens gives this service's own access token, or is nil when no
	// service account is configured.
	ServiceTokens *auth.TokenSource

	spec        Spec
	migrated    atomic.Bool
	workers     []worker
	deadLetters *deadletters.Server
	metricsReg  metric.Registration
	stepsMu     sync.Mutex
	steps       []stepsProbe
	telemetry   func(context.Context) error
	once        sync.Once
}

type worker struct {
	name string
	run  func(context.Context) error
}

// LoadConfig reads Config from the environment.
func LoadConfig() (Config, error) {
	var cfg Config
	err := config.Load(&cfg)
	return cfg, err
}

// New builds the runtime without waiting on anything: the pool and the NATS
// connection connect lazily and retry, so a service starts (NOT_SERVING) before
// its database or broker is reachable and becomes SERVING when they are.
func New(ctx context.Context, spec Spec, cfg Config) (*Runtime, error) {
	log, err := logging.FromConfig(cfg.Log, os.Stderr)
	if err != nil {
		return nil, err
	}
	log = log.With("service", spec.Name)
	settings := spec.Settings
	if settings == nil {
		settings = cfg
	}
	config.Log(log, settings)
	if err := memlimit.Apply(log); err != nil {
		return nil, err
	}

	shutdownTelemetry, metrics, err := telemetry.Setup(ctx, spec.Name)
	if err != nil {
		return nil, fmt.Errorf("telemetry: %w", err)
	}
	pool, err := pg.NewPool(ctx, cfg.Postgres)
	if err != nil {
		return nil, err
	}
	nc, js, err := natsx.Connect(ctx, cfg.NATS.URL, spec.Name, log, cfg.NATS.Options()...)
	if err != nil {
		pool.Close()
		return nil, err
	}
	r := &Runtime{Name: spec.Name, Config: cfg, Log: log, Pool: pool, NC: nc, JS: js, spec: spec, telemetry: shutdownTelemetry}
	keys := spec.KeySource
	if keys == nil {
		if r.Users, err = grpc.NewClient(cfg.Auth.UsersAddr,
			grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithStatsHandler(otelgrpc.NewClientHandler()),
			grpc.WithChainUnaryInterceptor(CallTimeout(cfg.PeerCallTimeout))); err != nil {
			r.close()
			return nil, fmt.Errorf("USERS_ADDR: %w", err)
		}
		users := usersv1.NewUsersServiceClient(r.Users)
		keys = auth.UsersKeySource(users)
		if cfg.Auth.ServiceClientID != "" {
			r.ServiceTokens = auth.NewServiceTokenSource(users, cfg.Auth.ServiceClientID, cfg.Auth.ServiceClientSecret)
		}
	}
	// Tokens of a revoked session are refused at once, not when they expire.
	revoked := auth.NewRevocations()
	verifier := auth.NewVerifier(keys, auth.WithRevocations(revoked))
	unary := auth.UnaryServerInterceptor(verifier, spec.PublicMethods...)
	if spec.SignedRequests {
		if r.ServiceTokens == nil {
			r.close()
			return nil, errors.New("SERVICE_CLIENT_ID and SERVICE_CLIENT_SECRET are required: signed requests are verified with keys only a service account may read")
		}
		signed := auth.SignedUnaryServerInterceptor(&auth.RequestVerifier{
			Keys: auth.UsersKeyLookup(usersv1.NewUsersServiceClient(r.Users), apiClientCacheTTL,
				grpc.PerRPCCredentials(r.ServiceTokens.PerRPCCredentials())),
			Nonces: auth.NewPostgresNonceStore(pool, log),
		}, spec.PublicMethods...)
		unary = auth.SignedOrBearerUnaryServerInterceptor(signed, unary)
	}
	opts := append([]grpc.ServerOption{
		grpc.ChainUnaryInterceptor(unary),
		grpc.ChainStreamInterceptor(auth.StreamServerInterceptor(verifier, spec.PublicMethods...)),
	}, spec.ServerOptions...)
	r.Server = server.New(spec.Name, cfg.Server, log, metrics, opts...)
	// Operators see and replay this service's dead letters (admins only).
	r.deadLetters = deadletters.New(js)
	r.deadLetters.Register(r.Server.GRPC())
	if err := r.observeEventFlow(); err != nil {
		r.close()
		return nil, fmt.Errorf("metrics: %w", err)
	}
	r.Go("session-revocations", func(ctx context.Context) error { return revoked.Follow(ctx, r.JS, r.Log) })
	r.Server.AddReadiness("postgres", pool.Ping)
	r.Server.AddReadiness("nats", natsx.ConnectedOnce(nc))
	// A replica taking calls before it read the recent revocations would
	// accept the tokens of a session revoked a moment before it started.
	r.Server.AddReadiness("session-revocations", revoked.ReadinessCheck(log))
	r.Server.AddReadiness("migrations", func(context.Context) error {
		if !r.migrated.Load() {
			return errors.New("migrations not applied yet")
		}
		return nil
	})
	return r, nil
}

// Go adds a background worker (an event consumer, a sweeper) started once the
// database is migrated and the stream exists, and stopped on shutdown.
func (r *Runtime) Go(name string, run func(context.Context) error) {
	r.workers = append(r.workers, worker{name, run})
}

// Consume runs an inbox consumer as a worker: its dead letters go to the
// dead-letter stream with the configured replicas and limits, the
// DeadLetterService can list and replay them, and its lag and dead letters
// are exported as metrics. Pool, JS and Log default to the runtime's.
func (r *Runtime) Consume(c *inbox.Consumer) {
	if c.Pool == nil {
		c.Pool = r.Pool
	}
	if c.JS == nil {
		c.JS = r.JS
	}
	if c.Log == nil {
		c.Log = r.Log
	}
	c.DeadLetters = r.Config.Streams.DeadLetters()
	if c.Retention <= 0 {
		// Inbox rows outlast every way an event can come again: its stream
		// (the mesh's streams share these settings), its outbox row and its
		// dead letter.
		c.Retention = inbox.RetentionBeyond(r.Config.Streams.MaxAge, r.Config.OutboxRetention, r.Config.Streams.DeadLetterMaxAge)
	}
	r.deadLetters.Add(c)
	r.Go(c.Name, c.Run)
}

// consumers returns the consumers added with Consume.
func (r *Runtime) consumers() []*inbox.Consumer { return r.deadLetters.Consumers() }

// Run serves until ctx ends or a worker fails, then shuts everything down in
// order: the gRPC server drains, workers stop, the relay publishes, last,
// what the drained calls and the stopped workers committed, then NATS, the
// pool and telemetry close. The workers and the relay run on contexts of
// their own, ended only once the server has drained: on ctx's they stopped
// at once, and the events of calls still draining waited in the outbox for
// another replica, or for the next start. A worker that fails stops the
// server, not the relay, for the same reason. Stopped before the database
// was migrated, no worker starts.
func (r *Runtime) Run(ctx context.Context) error {
	defer r.close()
	g, gctx := errgroup.WithContext(ctx)
	workersCtx, stopWorkers := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWorkers()
	served := make(chan struct{})
	prepared, workersDone := make(chan struct{}), make(chan struct{})
	g.Go(func() error {
		defer close(served)
		defer stopWorkers()
		return r.Server.Run(gctx)
	})
	g.Go(func() error {
		defer close(workersDone)
		if err := r.prepare(gctx); err != nil {
			return err
		}
		close(prepared)
		workers, wctx := errgroup.WithContext(workersCtx)
		for _, w := range r.workers {
			workers.Go(func() error {
				if err := w.run(wctx); err != nil && wctx.Err() == nil {
					return fmt.Errorf("worker %s: %w", w.name, err)
				}
				return nil
			})
		}
		// A worker's failure ends the process: returned, it stops the
		// server, which drains before the relay stops (below).
		return workers.Wait()
	})
	// The relay runs until the server has drained and the workers have
	// stopped, whatever stopped them (ctx, a worker's failure), then
	// publishes what the last calls and steps committed.
	g.Go(func() error {
		select {
		case <-prepared:
		case <-workersDone:
			return nil // stopped before the stream was there
		}
		relayCtx, stopRelay := context.WithCancel(context.WithoutCancel(ctx))
		go func() {
			<-served
			<-workersDone
			stopRelay()
		}()
		relay := &outbox.Relay{Pool: r.Pool, JS: r.JS, Log: r.Log, Retention: r.Config.OutboxRetention}
		_ = relay.Run(relayCtx) // returns once stopped
		flush, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalPublishTimeout)
		defer cancel()
		if _, ferr := relay.Flush(flush); ferr != nil {
			r.Log.Warn("publishing the outbox at shutdown failed; another replica or the next start publishes it", "error", ferr)
		}
		return nil
	})
	err := g.Wait()
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		err = nil
	}
	r.Log.Info("stopped", "error", err)
	return err
}

// finalPublishTimeout bounds the outbox's last publish at shutdown.
const finalPublishTimeout = 5 * time.Second

// prepare migrates the database and ensures the stream, retrying until both
// succeed or ctx ends: a service waits for its dependencies, it does not crash.
func (r *Runtime) prepare(ctx context.Context) error {
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		err := pg.Migrate(ctx, r.Pool, r.spec.Migrations)
		if err == nil && r.spec.SignedRequests {
			err = auth.MigrateNonces(ctx, r.Pool)
		}
		if err == nil {
			_, err = natsx.EnsureStream(ctx, r.JS, r.Config.Streams.Own(r.spec.Stream))
		}
		return struct{}{}, err
	}, backoff.WithBackOff(retry.Exponential(500*time.Millisecond, 5*time.Second)), backoff.WithMaxElapsedTime(0),
		backoff.WithNotify(func(err error, next time.Duration) {
			r.Log.Warn("waiting for dependencies", "retry_in", next, "error", err)
		}))
	if err != nil {
		// Only ctx ends the retries: the service is stopping, and starts
		// no worker on a database it did not migrate.
		return ctx.Err()
	}
	r.migrated.Store(true)
	r.Log.Info("database migrated and stream ready", "stream", r.spec.Stream.Name)
	return nil
}

func (r *Runtime) close() {
	r.once.Do(func() {
		if r.metricsReg != nil {
			_ = r.metricsReg.Unregister()
		}
		if r.Users != nil {
			_ = r.Users.Close()
		}
		_ = r.NC.Drain()
		r.Pool.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = r.telemetry(ctx)
	})
}
