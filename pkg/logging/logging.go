// Package logging builds the slog.Logger every Crossdock process writes with:
// JSON (or text, for a terminal) on one writer, at a level chosen by
// LOG_LEVEL, with the OpenTelemetry trace and span ids of the request added
// to every record so logs and traces can be joined.
package logging

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// Config holds the logging variables shared by every service.
type Config struct {
	Level  string `env:"LOG_LEVEL" envDefault:"info"`
	Format string `env:"LOG_FORMAT" envDefault:"json"`
}

// Validate rejects an unknown level or format at start-up rather than at the
// first log line.
func (c Config) Validate() error {
	if _, err := ParseLevel(c.Level); err != nil {
		return err
	}
	if _, err := handlerFor(c.Format, io.Discard, nil); err != nil {
		return err
	}
	return nil
}

// New returns a logger writing to w in the given format ("json" or "text") at
// the given level ("debug", "info", "warn" or "error"). Records logged with a
// context that carries a span get trace_id and span_id attributes.
func New(level, format string, w io.Writer) (*slog.Logger, error) {
	lvl, err := ParseLevel(level)
	if err != nil {
		return nil, err
	}
	h, err := handlerFor(format, w, &slog.HandlerOptions{Level: lvl})
	if err != nil {
		return nil, err
	}
	return slog.New(NewTraceHandler(h)), nil
}

// FromConfig is New with the values of a loaded Config.
func FromConfig(c Config, w io.Writer) (*slog.Logger, error) {
	return New(c.Level, c.Format, w)
}

// ParseLevel accepts the four level names case-insensitively, plus "warning".
func ParseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug":
		return slog.LevelDebug, nil
	case "info", "":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	default:
		return 0, fmt.Errorf("logging: unknown level %q (want debug, info, warn or error)", s)
	}
}

func handlerFor(format string, w io.Writer, opts *slog.HandlerOptions) (slog.Handler, error) {
	switch strings.ToLower(strings.TrimSpace(format)) {
	case "json", "":
		return slog.NewJSONHandler(w, opts), nil
	case "text":
		return slog.NewTextHandler(w, opts), nil
	default:
		return nil, fmt.Errorf("logging: unknown format %q (want json or text)", format)
	}
}
