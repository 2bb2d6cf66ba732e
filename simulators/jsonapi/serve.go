package jsonapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
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

// Listener is one HTTP API a simulator serves: where, what and its name in
// logs and errors.
type Listener struct {
	Name    string
	Addr    string
	Handler http.Handler
}

// ServeAll serves every listener until ctx ends or one of them fails (which
// stops the others); when ready is not nil it receives each listener's
// address, in order, once all of them listen. A simulator with an API and a
// back office on two ports runs on it.
func ServeAll(ctx context.Context, log *slog.Logger, ready chan<- string, listeners ...Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	readies := make([]chan string, len(listeners))
	done := make(chan error, len(listeners))
	for i, l := range listeners {
		readies[i] = make(chan string, 1)
		go func() {
			if err := Serve(ctx, l.Addr, l.Handler, log.With("api", l.Name), readies[i]); err != nil {
				done <- fmt.Errorf("%s: %w", l.Name, err)
				return
			}
			done <- nil
		}()
	}
	// stop ends the others and collects every result once.
	stop := func(first error, got int) error {
		cancel()
		errs := []error{first}
		for ; got < len(listeners); got++ {
			errs = append(errs, <-done)
		}
		return errors.Join(errs...)
	}
	addrs := make([]string, len(listeners))
	for i := range listeners {
		select {
		case addrs[i] = <-readies[i]:
		case err := <-done:
			return stop(err, 1)
		}
	}
	if ready != nil {
		for _, a := range addrs {
			ready <- a
		}
	}
	select {
	case err := <-done:
		return stop(err, 1)
	case <-ctx.Done():
		return stop(nil, 0)
	}
}

// AdminAddr is where a simulator's admin API listens when not told: its
// API's port plus 100 on the same host (port 0 stays 0). variable names
// the API address's setting in errors.
func AdminAddr(apiAddr, variable string) (string, error) {
	host, port, err := net.SplitHostPort(apiAddr)
	if err != nil {
		return "", fmt.Errorf("%s: %w", variable, err)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		return "", fmt.Errorf("%s: port %q is not a number", variable, port)
	}
	if n != 0 {
		n += 100
	}
	return net.JoinHostPort(host, strconv.Itoa(n)), nil
}
