package service

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// SignalContext is cancelled on SIGINT or SIGTERM: the start of a graceful stop.
func SignalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// Exit ends the process: status 0 after a clean stop, 1 with the error otherwise.
func Exit(name string, err error) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// Start loads the configuration from the environment and builds the runtime.
func Start(ctx context.Context, spec Spec) (*Runtime, error) {
	cfg, err := LoadConfig()
	if err != nil {
		return nil, err
	}
	return New(ctx, spec, cfg)
}
