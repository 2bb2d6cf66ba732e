package manifests_test

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/wrapperspb"
	"sigs.k8s.io/yaml"

	"github.com/crossdock/crossdock/deploy/manifests"
	opsv1 "github.com/crossdock/crossdock/gen/crossdock/ops/v1"
	"github.com/crossdock/crossdock/pkg/inbox"
	"github.com/crossdock/crossdock/pkg/logging"
	"github.com/crossdock/crossdock/pkg/natsx"
	kitserver "github.com/crossdock/crossdock/pkg/server"
	"github.com/crossdock/crossdock/pkg/service"
	"github.com/crossdock/crossdock/pkg/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

const monitoringDir = repoRoot + "/deploy/k8s/infra/monitoring"

// The dashboards under infra/monitoring are what Dashboards generates for
// the services; -update writes them.
func TestDashboardsAreGenerated(t *testing.T) {
	dir := filepath.Join(monitoringDir, "dashboards")
	want := manifests.Dashboards(serviceDirs(t))
	if *update {
		for name, b := range want {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if _, ok := want[e.Name()]; !ok {
			t.Errorf("%s: no service of that name; remove it", e.Name())
		}
	}
	for name, b := range want {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, b) {
			t.Errorf("%s differs from what Dashboards generates: run go test ./manifests -run TestDashboardsAreGenerated -update", name)
		}
	}
}

// external are the metrics the dashboards and alerts read from other
// exporters than crossdock's: Prometheus itself, the kubelet, CloudNativePG
// and cert-manager.
var external = regexp.MustCompile(`^(up|kubelet_volume_stats_.+|cnpg_.+|certmanager_.+)$`)

// Every metric a dashboard panel or an alert queries is one the processes
// export: a kit runtime with a consumer is started and scraped, with the
// HTTP server and gRPC client instrumentation the gateway uses beside it.
func TestDashboardsAndAlertsQueryExportedMetrics(t *testing.T) {
	exported := scrapeRuntime(t)
	queries := map[string][]string{}
	for _, name := range slices.Sorted(maps.Keys(manifests.Dashboards(serviceDirs(t)))) {
		q, err := manifests.DashboardQueries(manifests.Dashboards(serviceDirs(t))[name])
		if err != nil {
			t.Fatal(err)
		}
		queries["dashboard "+name] = q
	}
	for alert, expr := range alertExprs(t) {
		queries["alert "+alert] = []string{expr}
	}
	checked := 0
	for where, exprs := range queries {
		for _, expr := range exprs {
			names := manifests.MetricNames(expr)
			if len(names) == 0 {
				t.Errorf("%s: no metric in %q", where, expr)
			}
			for _, n := range names {
				checked++
				if !external.MatchString(n) && !exported[n] {
					t.Errorf("%s queries %s, which no crossdock process exports", where, n)
				}
			}
		}
	}
	if checked < 50 {
		t.Errorf("only %d metric references checked", checked)
	}
}

// alertExprs reads every alert's expression from the PrometheusRule.
func alertExprs(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(monitoringDir, "alerts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var rule struct {
		Spec struct {
			Groups []struct {
				Rules []struct {
					Alert string `json:"alert"`
					Expr  string `json:"expr"`
				} `json:"rules"`
			} `json:"groups"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(raw, &rule); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, g := range rule.Spec.Groups {
		for _, r := range g.Rules {
			out[r.Alert] = r.Expr
		}
	}
	if len(out) == 0 {
		t.Fatal("no alerts")
	}
	return out
}

// scrapeRuntime starts a service runtime with one consumer on loopback,
// lets an event flow and a call be made, and returns the names of the
// samples its /metrics serves once every kit metric is there.
func scrapeRuntime(t *testing.T) map[string]bool {
	t.Helper()
	pool := testkit.Database(t, testkit.Migrations{Name: "deploy-metrics"})
	nats, _, _ := testkit.JetStream(t)
	var cfg service.Config
	cfg.Server = kitserver.Config{GRPCAddr: "127.0.0.1:0", AdminAddr: "127.0.0.1:0", ReadinessInterval: 50 * time.Millisecond}
	cfg.Log = logging.Config{Level: "error", Format: "text"}
	cfg.NATS.URL = nats.URL()
	cfg.Postgres.URL = pool.Config().ConnString()
	ctx, cancel := context.WithCancel(context.Background())
	rt, err := service.New(ctx, service.Spec{Name: "things", Stream: natsx.AreaStream("things")}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	rt.Consume(&inbox.Consumer{Name: "things-audit", Stream: "THINGS", Subjects: []string{"things.>"},
		Handler: func(context.Context, pgx.Tx, inbox.Message) error { return nil }})
	rt.ObserveFailingSteps("things", func(context.Context) ([]service.FailingSteps, error) {
		return []service.FailingSteps{{Kind: "push", Count: 1, Longest: time.Hour}}, nil
	})
	if err := rt.Server.Listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- rt.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	// The gateway's instrumentation: an HTTP server and a gRPC client.
	web := httptest.NewServer(otelhttp.NewHandler(http.NotFoundHandler(), "gateway"))
	defer web.Close()
	if resp, err := http.Get(web.URL); err == nil {
		resp.Body.Close()
	}
	conn, err := grpc.NewClient(rt.Server.GRPCAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithStatsHandler(otelgrpc.NewClientHandler()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = opsv1.NewDeadLetterServiceClient(conn).ListDeadLetters(ctx, &opsv1.ListDeadLettersRequest{})
	testkit.Emit(t, rt.Pool, "things.thing.created", wrapperspb.String("x"))

	sample := regexp.MustCompile(`(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]`)
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + rt.Server.AdminAddr().String() + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		names := map[string]bool{}
		for _, m := range sample.FindAllStringSubmatch(string(body), -1) {
			names[m[1]] = true
		}
		if names["crossdock_inbox_consumer_pending"] && names["crossdock_outbox_oldest_pending_age_seconds"] && names["crossdock_steps_failing_oldest_age_seconds"] &&
			names["http_server_request_duration_seconds_count"] && names["rpc_client_call_duration_seconds_count"] {
			return names
		}
		if time.Now().After(deadline) {
			t.Fatalf("the kit's metrics never all showed:\n%s", strings.Join(slices.Sorted(maps.Keys(names)), "\n"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Every service is in CrossdockServiceDown twice: its replicas all failing
// their scrape, and none to scrape at all (an absent up series, as when
// every pod is Pending). Before, only the first was there, and a service
// with no pod running never alerted.
func TestServiceDownCoversEveryServiceEvenWithoutPods(t *testing.T) {
	expr := alertExprs(t)["CrossdockServiceDown"]
	for _, svc := range expectations(t)["prod"].Services {
		if !strings.Contains(expr, `absent(up{namespace="crossdock", job="`+svc+`"})`) {
			t.Errorf("%s: no absent(up) term", svc)
		}
		if !regexp.MustCompile(`job=~"[^"]*\b` + regexp.QuoteMeta(svc) + `\b`).MatchString(expr) {
			t.Errorf("%s: not among the jobs whose scrape fails", svc)
		}
	}
}
