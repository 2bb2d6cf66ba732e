// Package telemetry wires OpenTelemetry for a Crossdock process: W3C trace
// context and baggage propagation, a tracer provider, and a meter provider
// exposed to Prometheus on the admin port.
//
// Nothing leaves the process unless the standard OTEL_* variables say so:
// spans are exported over OTLP/gRPC only when OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set (and neither OTEL_TRACES_EXPORTER
// is "none" nor OTEL_SDK_DISABLED is "true"). Without an exporter spans are
// still created, so every log line of a request carries a usable trace id and
// incoming trace context is still propagated to peers. Metrics are pulled, not
// pushed: Prometheus scrapes the handler Setup returns.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// Setup installs the global propagator, tracer provider and meter provider
// for serviceName (OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override
// it), and returns the /metrics handler. Call shutdown on the way out to flush
// pending spans; it honours the context's deadline.
func Setup(ctx context.Context, serviceName string) (shutdown func(context.Context) error, metricsHandler http.Handler, err error) {
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(
		propagation.TraceContext{},
		propagation.Baggage{},
	))

	res, err := newResource(ctx, serviceName)
	if err != nil {
		return nil, nil, err
	}

	tp, err := newTracerProvider(ctx, res, os.Getenv)
	if err != nil {
		return nil, nil, err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	exporter, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		_ = tp.Shutdown(ctx)
		return nil, nil, fmt.Errorf("telemetry: prometheus exporter: %w", err)
	}
	mp := sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(exporter),
		sdkmetric.WithResource(res),
	)

	otel.SetTracerProvider(tp)
	otel.SetMeterProvider(mp)

	shutdown = func(ctx context.Context) error {
		return errors.Join(tp.Shutdown(ctx), mp.Shutdown(ctx))
	}
	handler := promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		Registry:      reg, // counts its own scrape errors
		ErrorHandling: promhttp.ContinueOnError,
	})
	return shutdown, handler, nil
}

// newResource describes the process. Later sources override earlier ones, so
// the environment wins over the name compiled into the binary.
func newResource(ctx context.Context, serviceName string) (*resource.Resource, error) {
	res, err := resource.New(ctx,
		resource.WithAttributes(semconv.ServiceName(serviceName)),
		resource.WithTelemetrySDK(),
		resource.WithHost(),
		resource.WithFromEnv(),
	)
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		return nil, fmt.Errorf("telemetry: resource: %w", err)
	}
	return res, nil
}

func newTracerProvider(ctx context.Context, res *resource.Resource, getenv func(string) string) (*sdktrace.TracerProvider, error) {
	opts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
	if tracesExportEnabled(getenv) {
		// The exporter reads the remaining OTEL_EXPORTER_OTLP_* variables
		// (headers, TLS, timeout, compression) itself and connects lazily.
		exp, err := otlptracegrpc.New(ctx)
		if err != nil {
			return nil, fmt.Errorf("telemetry: OTLP trace exporter: %w", err)
		}
		opts = append(opts, sdktrace.WithBatcher(exp))
	}
	return sdktrace.NewTracerProvider(opts...), nil
}

// tracesExportEnabled decides from the environment whether spans leave the
// process.
func tracesExportEnabled(getenv func(string) string) bool {
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		return false
	}
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER")), "none") {
		return false
	}
	return strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_ENDPOINT")) != "" ||
		strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) != ""
}
