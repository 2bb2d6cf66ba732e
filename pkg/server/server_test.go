package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/metadata"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/logging"
	"github.com/crossdock/crossdock/pkg/server"
	"github.com/crossdock/crossdock/pkg/server/grpcerr"
)

// echoService is a hand-written gRPC service: Echo returns its input, or
// misbehaves on request so the interceptors can be observed.
type echoService struct {
	release chan struct{} // "block" waits on it
	started chan struct{} // "block" signals it has begun
	// finished is set by "linger" once it returns, a while after its call
	// was cancelled, as a handler finishing its last write does.
	finished atomic.Bool
}

type echoServer interface {
	Echo(context.Context, *wrapperspb.StringValue) (*wrapperspb.StringValue, error)
}

const echoMethod = "/crossdock.test.v1.EchoService/Echo"

var echoDesc = grpc.ServiceDesc{
	ServiceName: "crossdock.test.v1.EchoService",
	HandlerType: (*echoServer)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Echo",
		Handler: func(srv any, ctx context.Context, dec func(any) error, icpt grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.StringValue)
			if err := dec(in); err != nil {
				return nil, err
			}
			h := func(ctx context.Context, req any) (any, error) {
				return srv.(echoServer).Echo(ctx, req.(*wrapperspb.StringValue))
			}
			if icpt == nil {
				return h(ctx, in)
			}
			return icpt(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: echoMethod}, h)
		},
	}},
}

func (e *echoService) Echo(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
	switch in.GetValue() {
	case "panic":
		panic("handler exploded")
	case "invalid":
		return nil, apperr.Invalid(
			apperr.FieldViolation{Field: "value", Description: "must not be invalid"},
			apperr.FieldViolation{Field: "other", Description: "also wrong"},
		)
	case "missing":
		return nil, fmt.Errorf("load: %w", apperr.NotFound("order", "o-1"))
	case "db":
		return nil, errors.New("pgx: connection refused to 10.0.0.5")
	case "linger":
		close(e.started)
		<-ctx.Done()
		time.Sleep(300 * time.Millisecond)
		e.finished.Store(true)
		return nil, ctx.Err()
	case "block":
		close(e.started)
		select {
		case <-e.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return in, nil
}

// syncBuffer collects log output written from server goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type harness struct {
	srv   *server.Server
	conn  *grpc.ClientConn
	admin string
	logs  *syncBuffer
	echo  *echoService
	done  chan error
	stop  context.CancelFunc
}

func start(t *testing.T, cfg server.Config, configure func(*server.Server)) *harness {
	t.Helper()
	if cfg.GRPCAddr == "" {
		cfg.GRPCAddr = "127.0.0.1:0"
	}
	if cfg.AdminAddr == "" {
		cfg.AdminAddr = "127.0.0.1:0"
	}
	if cfg.ReadinessInterval == 0 {
		cfg.ReadinessInterval = 20 * time.Millisecond
	}
	logs := &syncBuffer{}
	log, err := logging.New("info", "json", logs)
	if err != nil {
		t.Fatal(err)
	}
	metrics := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "test_metric 1\n") })
	srv := server.New("crossdock.test.v1.EchoService", cfg, log, metrics)
	echo := &echoService{release: make(chan struct{}), started: make(chan struct{})}
	srv.GRPC().RegisterService(&echoDesc, echo)
	if configure != nil {
		configure(srv)
	}
	if err := srv.Listen(); err != nil {
		t.Fatalf("Listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()

	conn, err := grpc.NewClient(srv.GRPCAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{srv: srv, conn: conn, admin: "http://" + srv.AdminAddr().String(), logs: logs, echo: echo, done: done, stop: cancel}
	t.Cleanup(func() {
		conn.Close()
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("server did not stop")
		}
	})
	return h
}

func (h *harness) healthStatus(t *testing.T, service string) healthpb.HealthCheckResponse_ServingStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	resp, err := healthpb.NewHealthClient(h.conn).Check(ctx, &healthpb.HealthCheckRequest{Service: service})
	if err != nil {
		t.Fatalf("health check %q: %v", service, err)
	}
	return resp.GetStatus()
}

func (h *harness) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(h.admin + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func (h *harness) echoCall(value string) (*wrapperspb.StringValue, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out := new(wrapperspb.StringValue)
	err := h.conn.Invoke(ctx, echoMethod, wrapperspb.String(value), out)
	return out, err
}

// eventually polls cond until it holds or 5 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestReadinessFollowsChecks(t *testing.T) {
	var dbUp, natsUp atomic.Bool
	natsUp.Store(true)
	h := start(t, server.Config{}, func(s *server.Server) {
		s.AddReadiness("postgres", func(context.Context) error {
			if !dbUp.Load() {
				return errors.New("connection refused")
			}
			return nil
		})
		s.AddReadiness("nats", func(context.Context) error {
			if !natsUp.Load() {
				return errors.New("no servers")
			}
			return nil
		})
	})

	if code, body := h.get(t, "/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz = %d %s while not ready, want 200", code, body)
	}
	for _, svc := range []string{"", "crossdock.test.v1.EchoService"} {
		if st := h.healthStatus(t, svc); st != healthpb.HealthCheckResponse_NOT_SERVING {
			t.Fatalf("health(%q) = %v before checks pass, want NOT_SERVING", svc, st)
		}
	}
	eventually(t, "/readyz to list the failing check", func() bool {
		code, body := h.get(t, "/readyz")
		var b struct {
			Status  string   `json:"status"`
			Failing []string `json:"failing"`
		}
		return code == http.StatusServiceUnavailable && json.Unmarshal([]byte(body), &b) == nil &&
			b.Status == "not ready" && len(b.Failing) == 1 && b.Failing[0] == "postgres"
	})
	if code, body := h.get(t, "/readyz"); strings.Contains(body, "connection refused") {
		t.Fatalf("/readyz leaks check errors: %d %s", code, body)
	}

	dbUp.Store(true)
	eventually(t, "SERVING", func() bool {
		return h.healthStatus(t, "") == healthpb.HealthCheckResponse_SERVING &&
			h.healthStatus(t, "crossdock.test.v1.EchoService") == healthpb.HealthCheckResponse_SERVING
	})
	if code, body := h.get(t, "/readyz"); code != http.StatusOK || !strings.Contains(body, `"ready"`) {
		t.Fatalf("/readyz = %d %s once ready, want 200", code, body)
	}
	if !h.srv.Ready() {
		t.Fatal("Ready() = false while serving")
	}

	natsUp.Store(false)
	eventually(t, "NOT_SERVING after a dependency fails", func() bool {
		code, body := h.get(t, "/readyz")
		return h.healthStatus(t, "") == healthpb.HealthCheckResponse_NOT_SERVING &&
			code == http.StatusServiceUnavailable && strings.Contains(body, `"nats"`)
	})

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := healthpb.NewHealthClient(h.conn).Check(ctx, &healthpb.HealthCheckRequest{Service: "crossdock.other.v1.Nope"})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("health of an unknown service: %v, want NotFound", err)
	}
}

func TestNoChecksMeansReady(t *testing.T) {
	h := start(t, server.Config{}, nil)
	eventually(t, "SERVING", func() bool { return h.healthStatus(t, "") == healthpb.HealthCheckResponse_SERVING })
}

func TestPanickingCheckFails(t *testing.T) {
	h := start(t, server.Config{}, func(s *server.Server) {
		s.AddReadiness("broken", func(context.Context) error { panic("nil pool") })
	})
	eventually(t, "503 naming the check", func() bool {
		code, body := h.get(t, "/readyz")
		return code == http.StatusServiceUnavailable && strings.Contains(body, `"broken"`)
	})
}

func TestInterceptors(t *testing.T) {
	h := start(t, server.Config{}, nil)

	out, err := h.echoCall("hello")
	if err != nil || out.GetValue() != "hello" {
		t.Fatalf("Echo(hello) = %v, %v", out, err)
	}

	_, err = h.echoCall("panic")
	if st := status.Convert(err); st.Code() != codes.Internal || st.Message() != "internal error" {
		t.Fatalf("panicking handler: %v, want Internal \"internal error\"", err)
	}
	if out, err := h.echoCall("still alive"); err != nil || out.GetValue() != "still alive" {
		t.Fatalf("server did not survive the panic: %v, %v", out, err)
	}

	_, err = h.echoCall("invalid")
	st := status.Convert(err)
	if st.Code() != codes.InvalidArgument {
		t.Fatalf("invalid: %v, want InvalidArgument", err)
	}
	var fields []string
	var reason string
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.BadRequest:
			for _, v := range d.GetFieldViolations() {
				fields = append(fields, v.GetField()+"="+v.GetDescription())
			}
		case *errdetails.ErrorInfo:
			reason = d.GetDomain() + "/" + d.GetReason()
		}
	}
	if strings.Join(fields, ",") != "value=must not be invalid,other=also wrong" || reason != "crossdock/INVALID_ARGUMENT" {
		t.Fatalf("details: violations %v, reason %q", fields, reason)
	}

	_, err = h.echoCall("missing")
	if status.Code(err) != codes.NotFound || status.Convert(err).Message() != `order "o-1" not found` {
		t.Fatalf("missing: %v, want NotFound", err)
	}
	if !errors.Is(grpcerr.FromError(err), apperr.NotFound("order", "o-1")) {
		t.Fatalf("FromError(%v) lost the kind", err)
	}

	_, err = h.echoCall("db")
	if st := status.Convert(err); st.Code() != codes.Internal || strings.Contains(st.Message(), "10.0.0.5") {
		t.Fatalf("db: %v, want Internal without details", err)
	}

	logs := h.logs.String()
	for _, want := range []string{
		`"msg":"panic in gRPC handler"`, `"panic":"handler exploded"`, `"stack":"goroutine`,
		`"msg":"unexpected error"`, `pgx: connection refused to 10.0.0.5`,
		`"grpc.method":"` + echoMethod + `","grpc.code":"OK"`,
		`"grpc.code":"InvalidArgument"`, `"grpc.code":"NotFound"`, `"grpc.code":"Internal"`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s", want)
		}
	}
	// Health probes run constantly; at info level they must stay out of the log.
	h.healthStatus(t, "")
	if strings.Contains(h.logs.String(), "grpc.health.v1") {
		t.Errorf("health checks logged at info level")
	}
}

func TestReflectionListsServices(t *testing.T) {
	h := start(t, server.Config{}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stream, err := reflectionpb.NewServerReflectionClient(h.conn).ServerReflectionInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&reflectionpb.ServerReflectionRequest{
		MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{},
	}); err != nil {
		t.Fatal(err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range resp.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	got := strings.Join(names, ",")
	for _, want := range []string{"crossdock.test.v1.EchoService", "grpc.health.v1.Health"} {
		if !strings.Contains(got, want) {
			t.Errorf("reflection lists %s, missing %s", got, want)
		}
	}
}

func TestMetricsEndpoint(t *testing.T) {
	h := start(t, server.Config{}, nil)
	if code, body := h.get(t, "/metrics"); code != http.StatusOK || body != "test_metric 1\n" {
		t.Fatalf("/metrics = %d %q", code, body)
	}
	if code, _ := h.get(t, "/nope"); code != http.StatusNotFound {
		t.Fatalf("/nope = %d, want 404", code)
	}
}

// Profiles are served on the admin port only when asked for.
func TestProfilesOnlyWhenAskedFor(t *testing.T) {
	off := start(t, server.Config{}, nil)
	if code, _ := off.get(t, "/debug/pprof/"); code != http.StatusNotFound {
		t.Errorf("profiles served without ADMIN_PPROF: %d", code)
	}
	on := start(t, server.Config{Profiling: true}, nil)
	if code, body := on.get(t, "/debug/pprof/"); code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Errorf("/debug/pprof/ with ADMIN_PPROF = %d %.80q", code, body)
	}
}

func TestCleanShutdown(t *testing.T) {
	h := start(t, server.Config{ShutdownTimeout: 5 * time.Second}, nil)
	if _, err := h.echoCall("warm up"); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	h.stop()
	select {
	case err := <-h.done:
		if err != nil {
			t.Fatalf("Run after a clean stop = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return within the shutdown timeout")
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Fatalf("stop took %s", d)
	}
	if _, err := net.DialTimeout("tcp", h.srv.GRPCAddr().String(), time.Second); err == nil {
		t.Fatal("gRPC port still accepts connections after Run returned")
	}
	if _, err := http.Get(h.admin + "/healthz"); err == nil {
		t.Fatal("admin port still serves after Run returned")
	}
	h.done <- nil // let the cleanup see a finished server
}

func TestShutdownWaitsForInflightCall(t *testing.T) {
	h := start(t, server.Config{ShutdownTimeout: 5 * time.Second}, nil)
	result := make(chan error, 1)
	go func() {
		out, err := h.echoCall("block")
		if err == nil && out.GetValue() != "block" {
			err = fmt.Errorf("got %q", out.GetValue())
		}
		result <- err
	}()
	<-h.echo.started
	h.stop()

	// While draining, the server reports NOT_SERVING and refuses to be ready.
	eventually(t, "NOT_SERVING while draining", func() bool { return !h.srv.Ready() })
	select {
	case err := <-h.done:
		t.Fatalf("Run returned %v before the in-flight call finished", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(h.echo.release)
	if err := <-result; err != nil {
		t.Fatalf("in-flight call failed during graceful stop: %v", err)
	}
	if err := <-h.done; err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	h.done <- nil
}

func TestShutdownTimeoutCutsOffCalls(t *testing.T) {
	h := start(t, server.Config{ShutdownTimeout: 200 * time.Millisecond}, nil)
	result := make(chan error, 1)
	go func() {
		_, err := h.echoCall("block")
		result <- err
	}()
	<-h.echo.started
	began := time.Now()
	h.stop()
	select {
	case err := <-h.done:
		if err == nil {
			t.Fatal("Run = nil after cutting off a call, want an error")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run ignored the shutdown timeout")
	}
	if d := time.Since(began); d < 200*time.Millisecond || d > 3*time.Second {
		t.Fatalf("forced stop after %s, want about 200ms", d)
	}
	if err := <-result; err == nil {
		t.Fatal("cut-off call succeeded")
	}
	h.done <- nil
}

// TestCutOffCallsFinishBeforeRunReturns: a call cut off at the shutdown
// timeout has its handler waited for, so what it writes last is written
// before the service's relay flushes for the last time.
func TestCutOffCallsFinishBeforeRunReturns(t *testing.T) {
	h := start(t, server.Config{ShutdownTimeout: 200 * time.Millisecond}, nil)
	go func() { _, _ = h.echoCall("linger") }()
	<-h.echo.started
	h.stop()
	select {
	case <-h.done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
	if !h.echo.finished.Load() {
		t.Fatal("Run returned before the cut-off call's handler did")
	}
	h.done <- nil
}

func TestListenErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()

	tests := []struct {
		name string
		cfg  server.Config
		want string
	}{
		{name: "busy gRPC port", cfg: server.Config{GRPCAddr: busy.Addr().String(), AdminAddr: "127.0.0.1:0"}, want: "listen for gRPC on " + fmt.Sprintf("%q", busy.Addr().String())},
		{name: "busy admin port", cfg: server.Config{GRPCAddr: "127.0.0.1:0", AdminAddr: busy.Addr().String()}, want: "listen for admin HTTP"},
		{name: "malformed address", cfg: server.Config{GRPCAddr: "not an address", AdminAddr: "127.0.0.1:0"}, want: `"not an address"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := server.New("x", tt.cfg, nil, nil)
			done := make(chan error, 1)
			go func() { done <- srv.Run(context.Background()) }()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("Run = %v, want an error containing %s", err, tt.want)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Run did not fail fast on a bad address")
			}
		})
	}
}

func TestLogsCarryCallersTraceAndRequestID(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})

	h := start(t, server.Config{}, nil)
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	ctx := metadata.AppendToOutgoingContext(context.Background(),
		"traceparent", "00-"+traceID+"-00f067aa0ba902b7-01", "x-request-id", "req-42")
	if err := h.conn.Invoke(ctx, echoMethod, wrapperspb.String("traced"), new(wrapperspb.StringValue)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the call's log line", func() bool { return strings.Contains(h.logs.String(), `"grpc.code":"OK"`) })
	for _, line := range strings.Split(h.logs.String(), "\n") {
		if !strings.Contains(line, `"grpc call"`) {
			continue
		}
		if !strings.Contains(line, `"trace_id":"`+traceID+`"`) {
			t.Fatalf("call logged without the caller's trace id: %s", line)
		}
		if !strings.Contains(line, `"request_id":"req-42"`) {
			t.Fatalf("call logged without the forwarded request id: %s", line)
		}
		// A server span of its own, not just the caller's context.
		if !strings.Contains(line, `"span_id":"`) || strings.Contains(line, `"span_id":"00f067aa0ba902b7"`) {
			t.Fatalf("call logged without a server span id: %s", line)
		}
	}
}

func TestAdminReadinessIsSetByTheProcess(t *testing.T) {
	admin := server.NewAdmin(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("m")) }))
	get := func(path string) int {
		rec := httptest.NewRecorder()
		admin.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec.Code
	}
	if c := get("/readyz"); c != http.StatusServiceUnavailable {
		t.Errorf("/readyz before SetReady = %d, want 503", c)
	}
	admin.SetReady(true)
	if c := get("/readyz"); c != http.StatusOK {
		t.Errorf("/readyz after SetReady(true) = %d, want 200", c)
	}
	if c := get("/healthz"); c != http.StatusOK {
		t.Errorf("/healthz = %d", c)
	}
	if c := get("/metrics"); c != http.StatusOK {
		t.Errorf("/metrics = %d", c)
	}
}

// rawEchoCall sends value as Echo's request encoded by hand, so strings
// protobuf-go would refuse to marshal reach the server.
func (h *harness) rawEchoCall(value string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req := protowire.AppendTag(nil, 1, protowire.BytesType)
	req = protowire.AppendString(req, value)
	var out []byte
	err := h.conn.Invoke(ctx, echoMethod, &req, &out, grpc.ForceCodecV2(rawCodec{}))
	return out, err
}

// rawCodec passes bytes through untouched.
type rawCodec struct{}

func (rawCodec) Name() string { return "proto" }

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(*v.(*[]byte))}, nil
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	*v.(*[]byte) = data.Materialize()
	return nil
}

func TestBadStringsAreRefusedBeforeTheHandler(t *testing.T) {
	h := start(t, server.Config{}, nil)
	for _, tt := range []struct{ name, in, want string }{
		{"NUL", "head\x00phones", "must not contain a NUL character"},
		{"direction override", "panic\u202E", "must not contain text-direction"},
		// A standard client cannot even encode this one; it is sent as raw
		// bytes, as a client in another language could.
		{"invalid UTF-8", "panic\xff", "must be valid UTF-8"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.rawEchoCall(tt.in)
			st := status.Convert(err)
			if st.Code() != codes.InvalidArgument {
				t.Fatalf("Echo(%q): %v, want InvalidArgument", tt.in, err)
			}
			var got string
			for _, d := range st.Details() {
				if br, ok := d.(*errdetails.BadRequest); ok && len(br.GetFieldViolations()) == 1 {
					got = br.GetFieldViolations()[0].GetField() + ": " + br.GetFieldViolations()[0].GetDescription()
				}
			}
			if !strings.HasPrefix(got, "value: "+tt.want) {
				t.Errorf("violation %q, want value: %s…", got, tt.want)
			}
		})
	}
}
