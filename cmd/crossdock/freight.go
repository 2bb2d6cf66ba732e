package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"golang.org/x/term"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/crossdock/crossdock/cmd/crossdock/internal/cli"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/freight"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/mesh"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/seed"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/signin"
	freightv1 "github.com/crossdock/crossdock/gen/crossdock/freight/v1"
	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/services/freight-estimator/synth"
)

func freightCommand() cli.Command {
	cmds := []cli.Command{
		{Name: "import", Summary: "import completed shipments into the freight history (CSV or generated)", Run: runFreightImport},
	}
	return cli.Command{
		Name:    "freight",
		Summary: "freight estimator tools (import)",
		Run: func(ctx context.Context, args []string) error {
			return cli.Dispatch(ctx, prog+" freight", cmds, args, os.Stdout, os.Stderr)
		},
	}
}

const freightImportSummary = `Import completed shipments into the freight estimator's history, in batches,
through its ImportShipments API (signed in as an admin). Rows come from a CSV
file with the header

  ` + "shipment_id,origin_country,origin_region,destination_country,destination_region,\n  volume_cm3,weight_g,currency,declared_value,transaction_amount,goods_price,\n  completed_at,rate_to_base" + `

(amounts in major units, e.g. 12.34; completed_at in RFC 3339; rate_to_base is
1 unit of currency in the base currency, needed for foreign currencies), or are
generated (--generate N), deterministically from --seed. Re-importing is safe:
known shipment ids count as duplicates. Refused rows (negative freight, unknown
codes, a missing rate, unreadable values) are written to --errors with their
line and reason.`

func runFreightImport(ctx context.Context, args []string) error {
	fs := cli.FlagSet(prog, "freight import", freightImportSummary, os.Stderr)
	file := fs.String("file", "", "CSV file to import")
	generate := fs.Int("generate", 0, "generate this many shipments instead of reading a file")
	seedFlag := fs.Uint64("seed", 1, "seed of the generated history")
	out := fs.String("out", "", "with --generate: write the CSV here instead of importing")
	offset := fs.Int("port-offset", 0, "the local mesh's port offset (crossdock up --port-offset); sets the defaults of --addr and --users-addr")
	addr := fs.String("addr", "", "the freight estimator's gRPC address (default 127.0.0.1:9107 + offset)")
	usersAddr := fs.String("users-addr", "", "the users service's gRPC address, for signing in (default 127.0.0.1:9101 + offset)")
	email := fs.String("email", envOr("CROSSDOCK_EMAIL", seed.AdminEmail), "admin account (env CROSSDOCK_EMAIL)")
	password := fs.String("password", envOr("CROSSDOCK_PASSWORD", seed.DemoPassword), "its password (env CROSSDOCK_PASSWORD)")
	errorsPath := fs.String("errors", "freight-import-errors.csv", "where to write the refused rows (removed when none)")
	batch := fs.Int("batch", freight.DefaultBatch, "records per ImportShipments call")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	switch {
	case (*file == "") == (*generate <= 0):
		return &cli.UsageError{Msg: "give either --file or --generate N"}
	case *out != "" && *generate <= 0:
		return &cli.UsageError{Msg: "--out goes with --generate"}
	case *batch < 1 || *batch > freight.MaxBatch:
		return &cli.UsageError{Msg: fmt.Sprintf("--batch must be between 1 and %d", freight.MaxBatch)}
	}

	plan, err := mesh.NewPlan(*offset)
	if err != nil {
		return &cli.UsageError{Msg: "--port-offset: " + err.Error()}
	}
	if *addr == "" {
		*addr = plan.Of(mesh.Service{Name: mesh.FreightEstimator}).GRPC
	}
	if *usersAddr == "" {
		*usersAddr = plan.Of(mesh.Service{Name: mesh.Users}).GRPC
	}

	var src freight.Source
	if *generate > 0 {
		g := synth.New(synth.Options{Seed: *seedFlag})
		if *out != "" {
			return writeGenerated(g, *generate, *out)
		}
		src = freight.NewGeneratedSource(g, *generate)
	} else {
		csvSrc, f, err := freight.OpenCSV(*file)
		if err != nil {
			return err
		}
		defer f.Close()
		src = csvSrc
	}

	usersConn, err := grpc.NewClient(*usersAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("--users-addr: %w", err)
	}
	defer usersConn.Close()
	conn, err := grpc.NewClient(*addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	defer conn.Close()
	session := &signin.Session{Users: usersv1.NewUsersServiceClient(usersConn), Email: *email, Password: *password}
	if _, err := session.Token(ctx); err != nil {
		return err
	}

	report, err := os.Create(*errorsPath)
	if err != nil {
		return err
	}
	im := &freight.Importer{
		Client: freightv1.NewFreightServiceClient(conn), Token: session.Token, Batch: *batch,
		Errors: report, Progress: freight.NewProgress(os.Stderr, term.IsTerminal(int(os.Stderr.Fd()))),
		Retries: 5,
	}
	start := time.Now()
	sum, runErr := im.Run(ctx, src)
	if err := report.Close(); err != nil && runErr == nil {
		runErr = err
	}
	fmt.Fprintf(os.Stdout, "%d rows in %v: %d imported, %d duplicates, %d rejected\n",
		sum.Rows, time.Since(start).Round(time.Millisecond), sum.Imported, sum.Duplicates, sum.Rejected)
	if sum.Rejected == 0 && runErr == nil {
		_ = os.Remove(*errorsPath)
	} else if sum.Rejected > 0 {
		fmt.Fprintf(os.Stdout, "refused rows and reasons: %s\n", *errorsPath)
	}
	return runErr
}

// writeGenerated writes n generated shipments as a CSV file.
func writeGenerated(g *synth.Generator, n int, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = freight.WriteCSV(f, g, n)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		fmt.Fprintf(os.Stdout, "wrote %d shipments to %s\n", n, path)
	}
	return err
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
