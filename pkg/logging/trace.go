package logging

import (
	"context"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
)

// Attribute keys for the trace correlation ids, named as most log backends
// expect them.
const (
	TraceIDKey = "trace_id"
	SpanIDKey  = "span_id"
)

// TraceHandler wraps a slog.Handler and adds the trace and span ids of the
// span in the record's context. Records logged without a context, or outside
// a span, pass through unchanged.
//
// The ids are added to the record itself, so after WithGroup they land inside
// that group; loggers in this project keep groups for nested payloads only.
type TraceHandler struct {
	inner slog.Handler
}

// NewTraceHandler wraps h; wrapping twice is harmless but adds the ids twice,
// so New is the usual way in.
func NewTraceHandler(h slog.Handler) *TraceHandler {
	return &TraceHandler{inner: h}
}

// Enabled defers to the wrapped handler.
func (h *TraceHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.inner.Enabled(ctx, level)
}

// Handle adds the ids when ctx carries a valid span context.
func (h *TraceHandler) Handle(ctx context.Context, r slog.Record) error {
	if ctx != nil {
		if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
			// Clone first: the record may share attribute storage with the caller.
			r = r.Clone()
			r.AddAttrs(
				slog.String(TraceIDKey, sc.TraceID().String()),
				slog.String(SpanIDKey, sc.SpanID().String()),
			)
		}
	}
	return h.inner.Handle(ctx, r)
}

// WithAttrs keeps the wrapper around the derived handler.
func (h *TraceHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &TraceHandler{inner: h.inner.WithAttrs(attrs)}
}

// WithGroup keeps the wrapper around the derived handler.
func (h *TraceHandler) WithGroup(name string) slog.Handler {
	return &TraceHandler{inner: h.inner.WithGroup(name)}
}
