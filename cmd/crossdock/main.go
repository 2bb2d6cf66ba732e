// Command crossdock is the developer and operator CLI: `crossdock up` runs the
// whole mesh on one machine.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/crossdock/crossdock/cmd/crossdock/internal/cli"
)

const prog = "crossdock"

// commands lists the subcommands; each lives in a file of its own.
func commands() []cli.Command {
	return []cli.Command{
		upCommand(),
		freightCommand(),
		dlqCommand(),
		loadCommand(),
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first signal asks for an orderly stop; from then on the default
	// action applies, so a second Ctrl-C ends crossdock at once (its children
	// are then stopped by their parent-death signal).
	go func() { <-ctx.Done(); stop() }()
	err := run(ctx)
	stop()
	os.Exit(cli.ExitCode(prog, err, os.Stderr))
}

func run(ctx context.Context) error {
	return cli.Dispatch(ctx, prog, commands(), os.Args[1:], os.Stdout, os.Stderr)
}
