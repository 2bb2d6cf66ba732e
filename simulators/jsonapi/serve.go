package jsonapi

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Serve runs a simulator's API on addr until ctx ends, then lets the calls
// in flight finish (ten seconds at most). When ready is not nil it receives
// the address listened on, so a test can ask for port 0.
func Serve(ctx context.Context, addr string, h http.Handler, log *slog.Logger, ready chan<- string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	log.Info("listening", slog.String("addr", ln.Addr().String()))
	if ready != nil {
		ready <- ln.Addr().String()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return hs.Shutdown(shutdown)
}
