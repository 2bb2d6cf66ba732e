package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/crossdock/crossdock/cmd/crossdock/internal/cli"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/logprefix"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/mesh"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/postgresbin"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/up"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/workspace"
)

const upSummary = `Run the whole mesh locally: an embedded NATS with JetStream, a PostgreSQL
cluster from this machine's binaries with a database per service, and every
service as its own process. Stops everything on Ctrl-C or when any process fails
(after --restarts attempts to start it again).`

func upCommand() cli.Command {
	return cli.Command{
		Name:    "up",
		Summary: "run the whole mesh locally until interrupted",
		Run:     runUp,
	}
}

func runUp(ctx context.Context, args []string) error {
	fs := cli.FlagSet(prog, "up", upSummary, os.Stderr)
	dir := fs.String("dir", ".crossdock", "data directory (a relative path is taken from the repository root)")
	fresh := fs.Bool("fresh", false, "delete the data directory's contents first")
	offset := fs.Int("port-offset", 0, "added to every port, to run a second mesh beside the first")
	check := fs.Bool("check", false, "stop as soon as everything is healthy (a smoke test)")
	restarts := fs.Int("restarts", 0, "start a crashed service again up to this many times in a row instead of stopping the mesh (a service that ran 10 minutes before it crashed starts its count over)")
	maxPause := fs.Duration("restart-pause", 30*time.Second, "the longest pause before a restart: the first is 1 s (or this, if shorter), each one in a row doubles it")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if *restarts < 0 {
		return &cli.UsageError{Msg: "--restarts must not be negative"}
	}
	if *maxPause <= 0 {
		return &cli.UsageError{Msg: "--restart-pause must be positive"}
	}
	if *offset < 0 || *offset > mesh.MaxOffset {
		return &cli.UsageError{Msg: fmt.Sprintf("--port-offset must be between 0 and %d", mesh.MaxOffset)}
	}

	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	root, err := workspace.Root(wd)
	if err != nil {
		return err
	}
	dataDir := *dir
	if !filepath.IsAbs(dataDir) {
		dataDir = filepath.Join(root, dataDir)
	}
	return up.Run(ctx, up.Options{
		Root:       root,
		Dir:        filepath.Clean(dataDir),
		Fresh:      *fresh,
		PortOffset: *offset,
		Check:      *check,
		Stdout:     os.Stdout,
		Stderr:     os.Stderr,
		Color:      logprefix.IsTerminal(os.Stdout),
		Postgres:   postgresbin.System(),
		Restarts:   *restarts,
		MaxPause:   *maxPause,
	})
}
