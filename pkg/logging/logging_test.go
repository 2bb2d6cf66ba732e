package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/trace"

	"github.com/crossdock/crossdock/pkg/config"
	"github.com/crossdock/crossdock/pkg/logging"
)

func TestNewLevels(t *testing.T) {
	tests := []struct {
		level     string
		wantDebug bool
		wantInfo  bool
		wantWarn  bool
		wantErr   bool
	}{
		{level: "debug", wantDebug: true, wantInfo: true, wantWarn: true},
		{level: "DEBUG", wantDebug: true, wantInfo: true, wantWarn: true},
		{level: "info", wantInfo: true, wantWarn: true},
		{level: "", wantInfo: true, wantWarn: true},
		{level: "warn", wantWarn: true},
		{level: "warning", wantWarn: true},
		{level: "error"},
		{level: "verbose", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.level, func(t *testing.T) {
			var buf bytes.Buffer
			log, err := logging.New(tt.level, "json", &buf)
			if tt.wantErr {
				if err == nil {
					t.Fatal("New accepted an unknown level")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			log.Debug("d")
			log.Info("i")
			log.Warn("w")
			out := buf.String()
			for msg, want := range map[string]bool{`"msg":"d"`: tt.wantDebug, `"msg":"i"`: tt.wantInfo, `"msg":"w"`: tt.wantWarn} {
				if strings.Contains(out, msg) != want {
					t.Errorf("output contains %s = %v, want %v:\n%s", msg, !want, want, out)
				}
			}
		})
	}
}

func TestNewFormats(t *testing.T) {
	tests := []struct {
		format  string
		check   func(string) bool
		wantErr bool
	}{
		{format: "json", check: func(s string) bool { return json.Valid([]byte(s)) }},
		{format: "JSON", check: func(s string) bool { return json.Valid([]byte(s)) }},
		{format: "text", check: func(s string) bool { return strings.Contains(s, "msg=hello") && !json.Valid([]byte(s)) }},
		{format: "xml", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			var buf bytes.Buffer
			log, err := logging.New("info", tt.format, &buf)
			if tt.wantErr {
				if err == nil {
					t.Fatal("New accepted an unknown format")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			log.Info("hello")
			if !tt.check(strings.TrimSpace(buf.String())) {
				t.Errorf("unexpected %s output: %s", tt.format, buf.String())
			}
		})
	}
}

func TestTraceIDs(t *testing.T) {
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:     trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
		TraceFlags: trace.FlagsSampled,
	})
	tests := []struct {
		name      string
		ctx       context.Context
		wantTrace string
		wantSpan  string
	}{
		{name: "span in context", ctx: trace.ContextWithSpanContext(context.Background(), sc),
			wantTrace: "4bf92f3577b34da6a3ce929d0e0e4736", wantSpan: "00f067aa0ba902b7"},
		{name: "no span", ctx: context.Background()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			log, err := logging.New("info", "json", &buf)
			if err != nil {
				t.Fatal(err)
			}
			log.With("svc", "orders").InfoContext(tt.ctx, "paid", "order", "o-1")
			var rec map[string]any
			if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
				t.Fatalf("output is not JSON: %v: %s", err, buf.String())
			}
			got, _ := rec[logging.TraceIDKey].(string)
			gotSpan, _ := rec[logging.SpanIDKey].(string)
			if got != tt.wantTrace || gotSpan != tt.wantSpan {
				t.Errorf("trace_id=%q span_id=%q, want %q %q", got, gotSpan, tt.wantTrace, tt.wantSpan)
			}
			if rec["svc"] != "orders" || rec["order"] != "o-1" {
				t.Errorf("attributes lost: %v", rec)
			}
		})
	}
}

func TestConfigFromEnv(t *testing.T) {
	tests := []struct {
		vars    map[string]string
		want    logging.Config
		wantErr bool
	}{
		{vars: nil, want: logging.Config{Level: "info", Format: "json"}},
		{vars: map[string]string{"LOG_LEVEL": "debug", "LOG_FORMAT": "text"}, want: logging.Config{Level: "debug", Format: "text"}},
		{vars: map[string]string{"LOG_LEVEL": "loud"}, wantErr: true},
		{vars: map[string]string{"LOG_FORMAT": "yaml"}, wantErr: true},
	}
	for _, tt := range tests {
		var c logging.Config
		err := config.LoadFrom(&c, tt.vars)
		if (err != nil) != tt.wantErr || (!tt.wantErr && c != tt.want) {
			t.Errorf("LoadFrom(%v) = %+v, %v; want %+v, error %v", tt.vars, c, err, tt.want, tt.wantErr)
		}
	}
}
