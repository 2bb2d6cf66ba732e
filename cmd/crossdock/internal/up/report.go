package up

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/crossdock/crossdock/cmd/crossdock/internal/health"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/mesh"
)

// ReadyLine is printed once every service is healthy; scripts and tests wait
// for it.
const ReadyLine = "crossdock is up"

// report prints the health table and the URLs worth opening.
func report(w io.Writer, plan mesh.Plan, results []health.Result, adminURL, secretsPath string) {
	status := map[string]string{}
	for _, r := range results {
		status[r.Name] = r.Status
		if r.Err != nil {
			status[r.Name] = r.Err.Error()
		}
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tGRPC\tADMIN\tHEALTH\tMETRICS")
	for _, s := range mesh.Services {
		a := plan.Of(s)
		grpc := a.GRPC
		if grpc == "" {
			grpc = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\thttp://%s/metrics\n", s.Name, grpc, a.Admin, status[s.Name], a.Admin)
	}
	tw.Flush()

	gw := plan.GatewayURL()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "REST API\t%s\n", gw)
	fmt.Fprintf(tw, "OpenAPI document\t%s/openapi.json\n", gw)
	fmt.Fprintf(tw, "API docs\t%s/docs\n", gw)
	fmt.Fprintf(tw, "Payment sandbox\thttp://%s (%s; simulators/README.md)\n", plan.SimulatorAddr(mesh.PaymentSandbox), status[mesh.PaymentSandbox.Name])
	fmt.Fprintf(tw, "Carrier simulator\thttp://%s (%s; a simulated day per 10 s; simulators/README.md)\n", plan.SimulatorAddr(mesh.CarrierSim), status[mesh.CarrierSim.Name])
	fmt.Fprintf(tw, "Partner simulator\tgRPC %s, admin http://%s (%s; partner %s; simulators/README.md)\n", plan.SimulatorAddr(mesh.PartnerSim),
		plan.SimulatorAdminAddr(mesh.PartnerSim), status[mesh.PartnerSim.Name], mesh.PartnerCode)
	fmt.Fprintf(tw, "REST marketplace simulator\thttp://%s, admin http://%s (%s; partner %s; simulators/README.md)\n", plan.SimulatorAddr(mesh.RestMarketSim),
		plan.SimulatorAdminAddr(mesh.RestMarketSim), status[mesh.RestMarketSim.Name], mesh.RestPartnerCode)
	fmt.Fprintf(tw, "Supply platform simulator\thttp://%s, back office http://%s (%s; platform %s; simulators/README.md)\n", plan.SimulatorAddr(mesh.SupplySim),
		plan.SimulatorAdminAddr(mesh.SupplySim), status[mesh.SupplySim.Name], mesh.SupplyPlatformCode)
	fmt.Fprintf(tw, "NATS\t%s\n", plan.NATSURL())
	fmt.Fprintf(tw, "NATS monitoring\thttp://%s (JetStream: /jsz)\n", plan.NATSMonitoring)
	fmt.Fprintf(tw, "PostgreSQL\tpsql '%s'\n", adminURL)
	fmt.Fprintf(tw, "Database logins\t%s\n", secretsPath)
	tw.Flush()
	fmt.Fprintln(w)
}
