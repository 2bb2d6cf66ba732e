// Package server is the process shell every Crossdock gRPC service runs in:
// one gRPC server (health, reflection, recovery, logging, error-mapping and
// string-checking interceptors, OpenTelemetry stats) and one admin HTTP server (/healthz,
// /readyz, /metrics), started together and stopped together.
//
// A service builds a Server, registers its gRPC services on GRPC(), adds
// readiness checks for what it cannot work without (its database, NATS), and
// calls Run with a context cancelled on SIGTERM:
//
//	srv := server.New("orders", cfg.Server, log, metrics)
//	ordersv1.RegisterOrdersServiceServer(srv.GRPC(), api)
//	srv.AddReadiness("postgres", pool.Ping)
//	return srv.Run(ctx)
//
// Until every check passes, the gRPC health service reports NOT_SERVING for
// "" and for the service name and /readyz answers 503, so Kubernetes sends no
// traffic to a replica that cannot serve it. Checks keep running while the
// process lives and flip readiness back when a dependency fails.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc/filters"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"

	"github.com/crossdock/crossdock/pkg/server/grpcerr"
	"github.com/crossdock/crossdock/pkg/textguard"
)

// Server runs a gRPC server and its admin HTTP server. Build it with New.
type Server struct {
	name   string
	cfg    Config
	log    *slog.Logger
	grpc   *grpc.Server
	health *health.Server
	admin  *http.Server

	mu       sync.Mutex
	checks   []readinessCheck
	ready    bool
	failing  []string
	stopping bool
	running  bool
	grpcLis  net.Listener
	adminLis net.Listener
}

// New builds a server named name (the health service name, usually the
// proto service's full name or the binary name). metrics is served on
// /metrics and may be nil. Extra gRPC options are applied after the defaults,
// so interceptors given here run inside the recovery interceptor and their
// errors are mapped like handlers' errors.
func New(name string, cfg Config, log *slog.Logger, metrics http.Handler, opts ...grpc.ServerOption) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{name: name, cfg: cfg.withDefaults(), log: log}

	base := []grpc.ServerOption{
		grpc.StatsHandler(otelgrpc.NewServerHandler(
			otelgrpc.WithFilter(filters.Not(filters.HealthCheck())),
		)),
		grpc.ChainUnaryInterceptor(
			logUnary(log),
			grpcerr.UnaryServerInterceptor(log),
			recoverUnary(log),
			textguard.UnaryServerInterceptor(),
		),
		// Invalid UTF-8 in a request string is decoded rather than failed
		// as Internal, so textguard refuses it as InvalidArgument.
		grpc.ForceServerCodecV2(textguard.Codec()),
		grpc.ChainStreamInterceptor(
			logStream(log),
			grpcerr.StreamServerInterceptor(log),
			recoverStream(log),
			textguard.StreamServerInterceptor(),
		),
		// Let well-behaved clients keep idle connections alive through
		// NATs and load balancers, but refuse ping floods.
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{
			MinTime:             5 * time.Second,
			PermitWithoutStream: true,
		}),
		grpc.KeepaliveParams(keepalive.ServerParameters{
			Time:              30 * time.Second,
			Timeout:           10 * time.Second,
			MaxConnectionIdle: 15 * time.Minute,
			// Recycling connections lets clients behind a Kubernetes
			// Service (an L4 balancer) spread over new replicas.
			MaxConnectionAge:      5 * time.Minute,
			MaxConnectionAgeGrace: 30 * time.Second,
		}),
	}
	s.grpc = grpc.NewServer(append(base, opts...)...)

	s.health = health.NewServer()
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	s.health.SetServingStatus(name, healthpb.HealthCheckResponse_NOT_SERVING)
	healthpb.RegisterHealthServer(s.grpc, s.health)
	reflection.Register(s.grpc)

	s.admin = &http.Server{
		Handler:           s.adminHandler(metrics),
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return s
}

// GRPC returns the gRPC server to register services on before Run.
func (s *Server) GRPC() *grpc.Server { return s.grpc }

// Listen binds both addresses without serving yet, so a bad or busy address
// fails at once with a clear error and tests can learn the ports chosen for
// ":0". Run calls it when it has not been called.
func (s *Server) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.grpcLis != nil {
		return nil
	}
	gl, err := net.Listen("tcp", s.cfg.GRPCAddr)
	if err != nil {
		return fmt.Errorf("server: listen for gRPC on %q: %w", s.cfg.GRPCAddr, err)
	}
	al, err := net.Listen("tcp", s.cfg.AdminAddr)
	if err != nil {
		gl.Close()
		return fmt.Errorf("server: listen for admin HTTP on %q: %w", s.cfg.AdminAddr, err)
	}
	s.grpcLis, s.adminLis = gl, al
	return nil
}

// GRPCAddr is the bound gRPC address, or nil before Listen.
func (s *Server) GRPCAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.grpcLis == nil {
		return nil
	}
	return s.grpcLis.Addr()
}

// AdminAddr is the bound admin HTTP address, or nil before Listen.
func (s *Server) AdminAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.adminLis == nil {
		return nil
	}
	return s.adminLis.Addr()
}

// Run serves until ctx is cancelled or a server fails, then stops: readiness
// goes to NOT_SERVING, in-flight calls get up to ShutdownTimeout to finish,
// and whatever remains is closed. It returns nil after a clean stop, and an
// error when listening or serving failed or the stop had to be forced.
func (s *Server) Run(ctx context.Context) error {
	if err := s.Listen(); err != nil {
		return err
	}
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		return errors.New("server: Run called twice")
	}
	s.running = true
	s.mu.Unlock()

	serveErr := make(chan error, 2)
	go func() {
		if err := s.grpc.Serve(s.grpcLis); err != nil {
			serveErr <- fmt.Errorf("server: gRPC: %w", err)
			return
		}
		serveErr <- nil
	}()
	go func() {
		if err := s.admin.Serve(s.adminLis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			serveErr <- fmt.Errorf("server: admin HTTP: %w", err)
			return
		}
		serveErr <- nil
	}()

	checkCtx, stopChecks := context.WithCancel(ctx)
	checksDone := make(chan struct{})
	go func() {
		defer close(checksDone)
		s.runReadiness(checkCtx)
	}()

	s.log.Info("serving",
		slog.String("service", s.name),
		slog.String("grpc_addr", s.grpcLis.Addr().String()),
		slog.String("admin_addr", s.adminLis.Addr().String()))

	var runErr error
	select {
	case <-ctx.Done():
		s.log.Info("shutting down", slog.String("service", s.name))
	case runErr = <-serveErr:
		if runErr == nil {
			runErr = errors.New("server: a listener stopped unexpectedly")
		}
		s.log.Error("server failed, shutting down", slog.String("error", runErr.Error()))
	}
	stopChecks()
	<-checksDone
	s.beginStopping()
	return errors.Join(runErr, s.stop())
}

// stop drains both servers within ShutdownTimeout, then closes what is left.
func (s *Server) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()

	grpcDone := make(chan struct{})
	go func() {
		s.grpc.GracefulStop()
		close(grpcDone)
	}()

	forced := false
	if err := s.admin.Shutdown(ctx); err != nil {
		s.admin.Close()
		forced = true
	}
	select {
	case <-grpcDone:
	case <-ctx.Done():
		// Stop closes the remaining connections, cancelling their calls;
		// GracefulStop returns once their handlers did (grpc-go waits for a
		// connection's handlers before dropping it), so a cut-off call's
		// last commit lands before the relay's final flush.
		s.grpc.Stop()
		<-grpcDone
		forced = true
	}
	if forced {
		return fmt.Errorf("server: calls still running after %s were cut off", s.cfg.ShutdownTimeout)
	}
	s.log.Info("stopped", slog.String("service", s.name))
	return nil
}
