package telemetry_test

import (
	"context"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"

	"github.com/crossdock/crossdock/pkg/telemetry"
)

// clearOTelEnv makes the test independent of the machine's environment.
func clearOTelEnv(t *testing.T) {
	for _, k := range []string{
		"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_TRACES_EXPORTER",
		"OTEL_SDK_DISABLED", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_EXPORTER_OTLP_INSECURE",
	} {
		t.Setenv(k, "")
	}
}

func setup(t *testing.T, name string) (func(context.Context) error, string) {
	t.Helper()
	shutdown, handler, err := telemetry.Setup(context.Background(), name)
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	scrape := func() string {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		return rec.Body.String()
	}
	ctr, err := otel.Meter("crossdock/test").Int64Counter("crossdock.test.events")
	if err != nil {
		t.Fatal(err)
	}
	ctr.Add(context.Background(), 3)
	return shutdown, scrape()
}

func TestMetricsHandler(t *testing.T) {
	tests := []struct {
		name        string
		env         map[string]string
		wantService string
	}{
		{name: "name from code", wantService: `service_name="orders"`},
		{name: "OTEL_SERVICE_NAME wins", env: map[string]string{"OTEL_SERVICE_NAME": "orders-canary"}, wantService: `service_name="orders-canary"`},
		{name: "resource attributes", env: map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=staging"}, wantService: `deployment_environment="staging"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearOTelEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			shutdown, body := setup(t, "orders")
			defer func() {
				if err := shutdown(context.Background()); err != nil {
					t.Errorf("shutdown: %v", err)
				}
			}()
			for _, want := range []string{
				"crossdock_test_events_total",
				"go_goroutines",
				"process_open_fds",
				"target_info{",
				tt.wantService,
			} {
				if !strings.Contains(body, want) {
					t.Errorf("metrics lack %q:\n%s", want, body)
				}
			}
			if !strings.Contains(body, `crossdock_test_events_total{otel_scope_name="crossdock/test"`) {
				t.Errorf("counter not exported with its scope:\n%s", grepLines(body, "crossdock_test"))
			}
			if !strings.Contains(grepLines(body, "crossdock_test_events_total{"), "} 3") {
				t.Errorf("counter value not 3:\n%s", grepLines(body, "crossdock_test"))
			}
		})
	}
}

func TestPropagatorAndSpansWithoutExporter(t *testing.T) {
	clearOTelEnv(t)
	shutdown, _ := setup(t, "orders")
	defer shutdown(context.Background())

	ctx, span := otel.Tracer("test").Start(context.Background(), "op")
	defer span.End()
	if !span.SpanContext().IsValid() {
		t.Fatal("span has no valid ids without an exporter; logs would lose trace ids")
	}
	member, _ := baggage.NewMember("tenant", "acme")
	bag, _ := baggage.New(member)
	ctx = baggage.ContextWithBaggage(ctx, bag)

	carrier := propagation.MapCarrier{}
	otel.GetTextMapPropagator().Inject(ctx, carrier)
	if !strings.Contains(carrier["traceparent"], span.SpanContext().TraceID().String()) {
		t.Errorf("traceparent = %q, want the span's trace id", carrier["traceparent"])
	}
	if carrier["baggage"] != "tenant=acme" {
		t.Errorf("baggage = %q", carrier["baggage"])
	}
	got := trace.SpanContextFromContext(otel.GetTextMapPropagator().Extract(context.Background(), carrier))
	if got.TraceID() != span.SpanContext().TraceID() {
		t.Errorf("extracted trace id %s, want %s", got.TraceID(), span.SpanContext().TraceID())
	}
}

// collector is an in-process OTLP trace receiver.
type collector struct {
	collectortrace.UnimplementedTraceServiceServer
	mu    sync.Mutex
	spans []string
	svc   []string
}

func (c *collector) Export(_ context.Context, req *collectortrace.ExportTraceServiceRequest) (*collectortrace.ExportTraceServiceResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range req.GetResourceSpans() {
		for _, a := range rs.GetResource().GetAttributes() {
			if a.GetKey() == "service.name" {
				c.svc = append(c.svc, a.GetValue().GetStringValue())
			}
		}
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				c.spans = append(c.spans, s.GetName())
			}
		}
	}
	return &collectortrace.ExportTraceServiceResponse{}, nil
}

func (c *collector) received() ([]string, []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.spans...), append([]string(nil), c.svc...)
}

func startCollector(t *testing.T) (*collector, string) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &collector{}
	srv := grpc.NewServer()
	collectortrace.RegisterTraceServiceServer(srv, c)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	return c, "http://" + lis.Addr().String()
}

func TestOTLPExport(t *testing.T) {
	tests := []struct {
		name      string
		env       map[string]string
		wantSpans bool
	}{
		{name: "endpoint set", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "{addr}"}, wantSpans: true},
		{name: "traces endpoint set", env: map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "{addr}"}, wantSpans: true},
		{name: "exporter none", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "{addr}", "OTEL_TRACES_EXPORTER": "none"}, wantSpans: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearOTelEnv(t)
			c, addr := startCollector(t)
			for k, v := range tt.env {
				t.Setenv(k, strings.ReplaceAll(v, "{addr}", addr))
			}
			shutdown, _ := setup(t, "freight-estimator")
			_, span := otel.Tracer("test").Start(context.Background(), "estimate")
			span.End()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := shutdown(ctx); err != nil { // flushes the batcher
				t.Fatalf("shutdown: %v", err)
			}
			spans, svc := c.received()
			if !tt.wantSpans {
				if len(spans) != 0 {
					t.Fatalf("spans exported although disabled: %v", spans)
				}
				return
			}
			if len(spans) != 1 || spans[0] != "estimate" || len(svc) == 0 || svc[0] != "freight-estimator" {
				t.Fatalf("collector received spans %v from %v, want [estimate] from freight-estimator", spans, svc)
			}
		})
	}
}

func grepLines(s, substr string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
