package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/crossdock/crossdock/cmd/crossdock/internal/cli"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/load"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/mesh"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/seed"
	"github.com/crossdock/crossdock/pkg/money"
)

func loadCommand() cli.Command {
	return cli.Command{
		Name:    "load",
		Summary: "drive buyer journeys (browse, checkout, pay) through the gateway at a fixed rate",
		Run:     runLoad,
	}
}

const loadSummary = `Generate load on the local mesh through the gateway, as buyers do: each
arrival browses the listings, checks out 1 to 3 SKUs and pays from the wallet.
Arrivals come at --rate per second on a fixed timetable (an open model): one is
launched at its time whatever the earlier ones are doing, and when
--max-in-flight journeys are running it is dropped, not queued, so a slow mesh
shows as latency and drops rather than as a slower load.

Setup comes first and is not timed: it finds the goods the suppliers
(--suppliers, the demo suppliers by default) have on sale, restocks what the
run could run out of (--restock), signs up --buyers buyers (load-<run>-<n>@
load.crossdock.test, password --buyer-password), gives each an address and
tops its wallet up through the payment sandbox, waiting until the money shows.

A progress line goes to stderr every second; the report to stdout: target and
achieved journeys per second, p50/p95/p99/max latency per step, errors by step
and code, dropped arrivals. Only loopback addresses are accepted.
Exit status: 1 when setup fails (or, with --fail-on-errors, when any journey
failed or any arrival was dropped), 2 for a usage mistake.`

// runIDPattern keeps run ids usable in e-mails, checkout ids and keys.
var runIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,23}$`)

func runLoad(ctx context.Context, args []string) error {
	fs := cli.FlagSet(prog, "load", loadSummary, os.Stderr)
	offset := fs.Int("port-offset", 0, "the local mesh's port offset (crossdock up --port-offset); sets the defaults of --gateway and --sandbox")
	gateway := fs.String("gateway", "", "the gateway's base URL, loopback only (default http://127.0.0.1:8080 + offset)")
	sandbox := fs.String("sandbox", "", "the payment sandbox's base URL, loopback only (default http://127.0.0.1:9300 + offset)")
	rate := fs.Float64("rate", 10, "target arrivals (buyer journeys: browse, checkout, pay) per second")
	duration := fs.Duration("duration", 30*time.Second, "how long arrivals keep coming")
	buyers := fs.Int("buyers", 50, "size of the buyer pool; arrivals take turns")
	maxInFlight := fs.Int("max-in-flight", 256, "bound on journeys (so requests) in flight; an arrival beyond it is dropped")
	currency := fs.String("currency", "USD", "the currency buyers' wallets are funded and pay in")
	seedFlag := fs.Uint64("seed", 1, "seed of the journeys' choices (which buyer buys which SKUs)")
	runID := fs.String("run-id", "", "names the run's buyers and checkouts (default: random)")
	buyerPassword := fs.String("buyer-password", "crossdock-load-2026", "the password the run's buyers are signed up with")
	suppliers := fs.String("suppliers", seed.SupplierEmail+","+seed.Supplier2Email, "comma-separated supplier accounts whose listed goods are bought")
	supplierPassword := fs.String("supplier-password", seed.DemoPassword, "their password")
	restock := fs.Bool("restock", true, "add stock, as its supplier, to any SKU the run could buy out")
	timeout := fs.Duration("timeout", 30*time.Second, "bound on each request")
	failOnErrors := fs.Bool("fail-on-errors", false, "exit 1 when any journey failed or any arrival was dropped")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}

	plan, err := mesh.NewPlan(*offset)
	if err != nil {
		return &cli.UsageError{Msg: "--port-offset: " + err.Error()}
	}
	if *gateway == "" {
		*gateway = plan.GatewayURL()
	}
	if *sandbox == "" {
		*sandbox = "http://" + plan.SimulatorAddr(mesh.PaymentSandbox)
	}
	gatewayURL, err := load.LoopbackURL("--gateway", *gateway)
	if err != nil {
		return &cli.UsageError{Msg: err.Error()}
	}
	sandboxURL, err := load.LoopbackURL("--sandbox", *sandbox)
	if err != nil {
		return &cli.UsageError{Msg: err.Error()}
	}
	schedule, err := load.NewSchedule(*rate, *duration)
	if err != nil {
		return &cli.UsageError{Msg: err.Error()}
	}
	if *runID == "" {
		*runID = strings.ToLower(rand.Text()[:8])
	}
	var accounts []load.Account
	for e := range strings.SplitSeq(*suppliers, ",") {
		if e = strings.TrimSpace(e); e != "" {
			accounts = append(accounts, load.Account{Email: e, Password: *supplierPassword})
		}
	}
	switch {
	case *buyers < 1 || *buyers > 10000:
		return &cli.UsageError{Msg: "--buyers must be between 1 and 10000"}
	case *maxInFlight < 1:
		return &cli.UsageError{Msg: "--max-in-flight must be at least 1"}
	case !money.ValidCurrency(*currency):
		return &cli.UsageError{Msg: fmt.Sprintf("--currency %q is not an ISO 4217 code", *currency)}
	case !runIDPattern.MatchString(*runID):
		return &cli.UsageError{Msg: "--run-id must be 1 to 24 lower-case letters, digits and dashes"}
	case len(accounts) == 0:
		return &cli.UsageError{Msg: "--suppliers names no account"}
	case *timeout <= 0:
		return &cli.UsageError{Msg: "--timeout must be positive"}
	}

	setup := &load.Setup{
		Gateway: gatewayURL, Sandbox: sandboxURL, RunID: *runID, Buyers: *buyers, BuyerPassword: *buyerPassword,
		Currency: *currency, Suppliers: accounts, Restock: *restock, Arrivals: schedule.Arrivals(), Seed: *seedFlag,
		Timeout: *timeout, Log: os.Stderr,
	}
	fmt.Fprintf(os.Stderr, "crossdock load: run %s against %s\n", *runID, gatewayURL)
	prepared, err := setup.Run(ctx)
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}

	rec := load.NewRecorder()
	gen := &load.Generator{
		Schedule: schedule, Clock: load.RealClock{}, MaxInFlight: *maxInFlight,
		Journey: prepared.Journeys.Run, Recorder: rec,
	}
	progressCtx, stopProgress := context.WithCancel(context.WithoutCancel(ctx))
	progress := &load.Progress{W: os.Stderr, Terminal: term.IsTerminal(int(os.Stderr.Fd())), Recorder: rec}
	progressDone := make(chan struct{})
	go func() { defer close(progressDone); progress.Run(progressCtx) }()
	elapsed := gen.Run(ctx)
	stopProgress()
	<-progressDone

	report := load.NewReport(rec, schedule, elapsed)
	report.RunID, report.Currency, report.SKUs = *runID, *currency, len(prepared.Journeys.SKUs)
	report.Interrupted = ctx.Err() != nil
	for i := range *buyers {
		report.Buyers = append(report.Buyers, load.BuyerEmail(*runID, i))
	}
	if err := report.Write(os.Stdout); err != nil {
		return err
	}
	switch {
	case report.Interrupted:
		return errors.New("interrupted: the report covers the arrivals launched before")
	case *failOnErrors && report.Shortfall() != nil:
		return fmt.Errorf("%w (--fail-on-errors)", report.Shortfall())
	}
	return nil
}
