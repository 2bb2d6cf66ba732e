// Package up runs the whole mesh on one machine: an embedded NATS with
// JetStream, a PostgreSQL cluster from the machine's binaries with a database
// per service, and every service as its own process, until it is interrupted
// or a process fails. Nothing it starts outlives it.
package up

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/crossdock/crossdock/cmd/crossdock/internal/child"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/health"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/logprefix"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/mesh"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/postgresbin"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/secrets"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/seed"
	"github.com/crossdock/crossdock/pkg/natsx/natsauth"
	"github.com/crossdock/crossdock/pkg/pgcluster"
)

// Options configure one run.
type Options struct {
	Root       string // the repository root (holding go.work)
	Dir        string // absolute data directory
	Fresh      bool   // start from an empty Dir
	PortOffset int
	Check      bool // stop as soon as everything is healthy
	Stdout     io.Writer
	Stderr     io.Writer
	Color      bool

	// HealthTimeout bounds the wait for every service to be healthy.
	HealthTimeout time.Duration
	// StopGrace is how long a process may take to stop after SIGTERM.
	StopGrace time.Duration
	// Postgres finds (or installs) the PostgreSQL binaries.
	Postgres postgresbin.Finder
	// Restarts is how many times in a row a service that exits on its own is
	// started again before the mesh gives up and stops; 0 stops it at the
	// first crash. A service that ran for ten minutes before it crashed
	// starts its count over.
	Restarts int
	// MaxPause caps the pause before a restart, which doubles with each
	// restart in a row from a second; zero is 30 s. The crash tests, which
	// kill one service many times, keep it at a second.
	MaxPause time.Duration
}

// Defaults for the zero values of Options.
const (
	DefaultHealthTimeout = 120 * time.Second
	DefaultStopGrace     = 20 * time.Second
)

// ErrInterrupted is returned when a signal arrives before the mesh was up.
var ErrInterrupted = errors.New("interrupted during start-up")

// exitError reports a process of the mesh that stopped on its own.
type exitError struct {
	name string
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return e.name + " exited unexpectedly"
	}
	return fmt.Sprintf("%s exited unexpectedly (%v)", e.name, e.err)
}

func (e *exitError) Unwrap() error { return e.err }

// Run starts the mesh and blocks until ctx ends (a clean stop, nil) or a process
// fails (an error naming it) more often than Options.Restarts allows. With Check it returns as soon as everything is
// healthy. Either way everything it started is stopped before it returns.
func Run(ctx context.Context, o Options) (err error) {
	if o.HealthTimeout == 0 {
		o.HealthTimeout = DefaultHealthTimeout
	}
	if o.StopGrace == 0 {
		o.StopGrace = DefaultStopGrace
	}
	plan, err := mesh.NewPlan(o.PortOffset)
	if err != nil {
		return err
	}
	names := []string{"build", "nats", "postgres"}
	for _, s := range mesh.Services {
		names = append(names, s.Name)
	}
	for _, s := range mesh.Simulators {
		names = append(names, s.Name)
	}
	pfx := logprefix.New(logprefix.Width(names...), o.Color)
	say := pfx.Locked(o.Stdout)

	release, err := lockDir(o.Dir)
	if err != nil {
		return err
	}
	defer release()
	if o.Fresh {
		fmt.Fprintf(say, "removing everything in %s (--fresh)\n", o.Dir)
		if err := clearDir(o.Dir); err != nil {
			return err
		}
	}
	if os.Geteuid() == 0 {
		if err := checkReachable(o.Dir); err != nil {
			return err
		}
	}
	if _, err := o.Postgres.Ensure(ctx, say); err != nil {
		return err
	}
	if err := plan.CheckFree(); err != nil {
		return err
	}

	fmt.Fprintf(say, "building %d services and %d simulators into %s\n", len(mesh.Services), len(mesh.Simulators), filepath.Join(o.Dir, "bin"))
	began := time.Now()
	buildOut := pfx.Writer("build", o.Stdout)
	err = buildAll(ctx, o.Root, filepath.Join(o.Dir, "bin"), buildOut)
	buildOut.Close()
	if err != nil {
		if ctx.Err() != nil {
			return ErrInterrupted
		}
		return err
	}
	fmt.Fprintf(say, "built in %s\n", time.Since(began).Round(100*time.Millisecond))

	wants := make([]secrets.Want, 0, len(mesh.Services))
	for _, s := range mesh.Backends() {
		wants = append(wants, secrets.Want{Service: s.Name, Database: s.Database()})
	}
	natsLogins := make([]string, 0, len(mesh.Services))
	for _, s := range mesh.Services {
		natsLogins = append(natsLogins, s.Name) // the gateway too: it follows revoked sessions
	}
	secretsPath := filepath.Join(o.Dir, secrets.FileName)
	creds, err := secrets.LoadOrCreate(secretsPath, wants, natsLogins)
	if err != nil {
		return err
	}
	partner, err := partnerCredentials(creds)
	if err != nil {
		return err
	}

	// watch ends with the first unexpected exit of anything the mesh runs.
	watch, fail := context.WithCancelCause(ctx)
	defer fail(nil)
	st := &stack{out: say, grace: o.StopGrace, restart: restartPolicy{max: o.MaxPause}}
	defer func() {
		if stopErr := st.stop(); stopErr != nil && err == nil {
			err = stopErr
		}
	}()

	fmt.Fprintf(say, "starting NATS on %s\n", plan.NATS)
	natsUsers, err := natsauth.Users(creds.NATSPasswords)
	if err == nil {
		err = natsauth.Hash(natsUsers)
	}
	if err != nil {
		return err
	}
	st.nats, err = startNATS(filepath.Join(o.Dir, "nats"), plan.NATS, plan.NATSMonitoring, natsUsers, pfx.Writer("nats", o.Stdout), func(e error) { fail(e) })
	if err != nil {
		return err
	}
	go watchNATS(st.nats, &st.stopping, fail)

	fmt.Fprintf(say, "starting PostgreSQL on 127.0.0.1:%d\n", plan.Postgres)
	st.pg, err = pgcluster.Start(ctx, pgcluster.Options{
		Dir: filepath.Join(o.Dir, "postgres"), Port: plan.Postgres, Durable: true, Log: pfx.Writer("postgres", o.Stdout),
	})
	if err != nil {
		if ctx.Err() != nil {
			return ErrInterrupted
		}
		return fmt.Errorf("start PostgreSQL: %w", err)
	}
	go func() {
		<-st.pg.Done()
		if !st.stopping.Load() {
			fail(&exitError{name: "postgres"})
		}
	}()
	for _, s := range mesh.Backends() {
		d := creds.Databases[s.Name]
		if err := st.pg.EnsureDatabase(ctx, d.Database, d.Role, d.Password); err != nil {
			return fmt.Errorf("database for %s: %w", s.Name, err)
		}
	}

	// The simulators start first: finance and logistics may call them as
	// soon as they are up, the seed verifies the partner simulator, and
	// docking imports the supply simulator's catalogue once it is seeded.
	for _, sim := range []struct {
		sim  mesh.Simulator
		what string
		env  []string
	}{
		{mesh.PaymentSandbox, "the payment sandbox", mesh.PaymentSandboxEnv(plan, paymentCredentials(creds), os.Environ())},
		{mesh.CarrierSim, "the carrier simulator", mesh.CarrierSimEnv(plan, carrierCredentials(creds), os.Environ())},
		{mesh.PartnerSim, "the partner simulator", mesh.PartnerSimEnv(plan, partner, os.Environ())},
		{mesh.RestMarketSim, "the REST marketplace simulator", mesh.RestMarketSimEnv(plan, restMarketCredentials(creds), os.Environ())},
		{mesh.SupplySim, "the supply platform simulator", mesh.SupplySimEnv(plan, supplyCredentials(creds), os.Environ())},
	} {
		fmt.Fprintf(say, "starting %s on %s\n", sim.what, plan.SimulatorAddr(sim.sim))
		start := func() (*child.Process, error) {
			return child.Start(child.Spec{
				Name:   sim.sim.Name,
				Path:   filepath.Join(o.Dir, "bin", sim.sim.Name),
				Env:    sim.env,
				Dir:    o.Root,
				Stdout: pfx.Writer(sim.sim.Name, o.Stdout),
				Stderr: pfx.Writer(sim.sim.Name, o.Stderr),
			})
		}
		p, err := start()
		if err != nil {
			return err
		}
		replace := st.addSimulator(p)
		go st.watch(sim.sim.Name, p, o.Restarts, start, replace, func(e error) { fail(e) })
	}

	fmt.Fprintf(say, "starting %d services\n", len(mesh.Services))
	for _, s := range mesh.Services {
		var dbURL string
		if s.Backend() {
			d := creds.Databases[s.Name]
			dbURL = st.pg.URL(d.Database, d.Role, d.Password)
		}
		start := func() (*child.Process, error) {
			return child.Start(child.Spec{
				Name:   s.Name,
				Path:   filepath.Join(o.Dir, "bin", s.Name),
				Env:    mesh.Env(s, plan, dbURL, os.Environ(), accountEnv(s, plan, creds)),
				Dir:    o.Root,
				Stdout: pfx.Writer(s.Name, o.Stdout),
				Stderr: pfx.Writer(s.Name, o.Stderr),
			})
		}
		p, err := start()
		if err != nil {
			return err
		}
		replace := st.add(s, p)
		go st.watch(s.Name, p, o.Restarts, start, replace, func(e error) { fail(e) })
	}

	results, err := waitHealthy(watch, plan, o.HealthTimeout)
	if err != nil {
		if ctx.Err() != nil {
			return ErrInterrupted
		}
		return err
	}
	accounts, err := seed.Accounts(watch, plan.Of(mesh.Service{Name: mesh.Users}).GRPC)
	if err != nil {
		if ctx.Err() != nil {
			return ErrInterrupted
		}
		return fmt.Errorf("seed demo accounts: %w", err)
	}
	if err := seedCommerce(watch, plan, partner, restMarketCredentials(creds), supplyCredentials(creds), say); err != nil {
		if ctx.Err() != nil {
			return ErrInterrupted
		}
		return err
	}
	report(say, plan, results, st.pg.AdminURL("postgres"), secretsPath)
	reportAccounts(say, accounts)
	fmt.Fprintln(say, ReadyLine)
	if o.Check {
		fmt.Fprintln(say, "check passed: stopping")
		return nil
	}
	fmt.Fprintln(say, "press Ctrl-C to stop")

	<-watch.Done()
	if ctx.Err() != nil {
		fmt.Fprintln(say, "interrupted: stopping")
		return nil
	}
	cause := context.Cause(watch)
	fmt.Fprintf(say, "%v: stopping everything\n", cause)
	return cause
}

// waitHealthy probes every service and simulator until all are healthy.
func waitHealthy(ctx context.Context, plan mesh.Plan, timeout time.Duration) ([]health.Result, error) {
	probes := make([]health.Probe, 0, len(mesh.Services)+len(mesh.Simulators))
	for _, s := range mesh.Simulators {
		if !s.GRPC {
			probes = append(probes, health.Probe{Name: s.Name, Check: health.HTTP("http://" + plan.SimulatorAddr(s) + "/healthz")})
			continue
		}
		check, closer, err := health.GRPC(plan.SimulatorAddr(s))
		if err != nil {
			return nil, err
		}
		defer closer()
		probes = append(probes, health.Probe{Name: s.Name, Check: check})
	}
	for _, s := range mesh.Services {
		a := plan.Of(s)
		if !s.Backend() {
			probes = append(probes, health.Probe{Name: s.Name, Check: health.HTTP("http://" + a.Admin + "/readyz")})
			continue
		}
		check, closer, err := health.GRPC(a.GRPC)
		if err != nil {
			return nil, err
		}
		defer closer()
		probes = append(probes, health.Probe{Name: s.Name, Check: check})
	}
	return health.Wait(ctx, probes, timeout, 250*time.Millisecond)
}

func watchNATS(ns *server.Server, stopping *atomic.Bool, fail context.CancelCauseFunc) {
	ns.WaitForShutdown()
	if !stopping.Load() {
		fail(&exitError{name: "nats"})
	}
}
