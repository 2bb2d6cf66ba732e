package manifests

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Grafana dashboards are generated from the panels below rather than kept as
// hand-edited JSON: one for the mesh and one per service, all built from the
// same panel kinds, so a metric renamed in the kit is renamed everywhere at
// once. TestDashboards writes them to deploy/k8s/infra/monitoring/dashboards
// (with -update) and checks that every metric they query is exported.

// panel is one time-series panel: a title, a unit and its queries.
type panel struct {
	title   string
	unit    string
	queries []query
}

type query struct{ expr, legend string }

// gatewayDashboard names the gateway's dashboard, whose panels are HTTP ones.
const gatewayDashboard = "gateway"

// meshPanels are the mesh-wide view: every service side by side.
func meshPanels() []panel {
	return []panel{
		{"gRPC calls per second by service", "reqps", []query{{`sum by (job) (rate(rpc_server_call_duration_seconds_count{namespace="crossdock"}[5m]))`, "{{job}}"}}},
		{"gRPC server errors by service", "percentunit", []query{{`sum by (job) (rate(rpc_server_call_duration_seconds_count{namespace="crossdock", ` + serverErrors + `}[5m])) / sum by (job) (rate(rpc_server_call_duration_seconds_count{namespace="crossdock"}[5m]))`, "{{job}}"}}},
		{"gRPC p99 latency by service", "s", []query{{`histogram_quantile(0.99, sum by (job, le) (rate(rpc_server_call_duration_seconds_bucket{namespace="crossdock"}[5m])))`, "{{job}}"}}},
		{"REST requests per second by status", "reqps", []query{{`sum by (http_response_status_code) (rate(http_server_request_duration_seconds_count{namespace="crossdock", job="gateway"}[5m]))`, "{{http_response_status_code}}"}}},
		{"Oldest unpublished outbox event", "s", []query{{`max by (job) (crossdock_outbox_oldest_pending_age_seconds{namespace="crossdock"})`, "{{job}}"}}},
		{"Consumer lag", "short", []query{{`max by (consumer) (crossdock_inbox_consumer_pending{namespace="crossdock"})`, "{{consumer}}"}}},
		{"Dead letters", "short", []query{{`max by (consumer) (crossdock_inbox_dead_letters{namespace="crossdock"})`, "{{consumer}}"}}},
		{"Longest failing step", "s", []query{{`max by (job, queue, kind) (crossdock_steps_failing_oldest_age_seconds{namespace="crossdock"})`, "{{job}} {{queue}} {{kind}}"}}},
		{"Database pool in use", "percentunit", []query{{`max by (job) (crossdock_db_pool_acquired{namespace="crossdock"} / crossdock_db_pool_max{namespace="crossdock"})`, "{{job}}"}}},
		{"Replicas up", "short", []query{{`sum by (job) (up{namespace="crossdock"})`, "{{job}}"}}},
	}
}

// serverErrors selects the status codes that are the server's failures, not
// the caller's mistakes (the CrossdockGRPCErrorRatio alert uses the same).
const serverErrors = `rpc_response_status_code=~"UNKNOWN|INTERNAL|UNAVAILABLE|DATA_LOSS|DEADLINE_EXCEEDED|UNIMPLEMENTED"`

// servicePanels are one backend's view, by method.
func servicePanels(service string) []panel {
	sel := fmt.Sprintf(`namespace="crossdock", job=%q`, service)
	return append([]panel{
		{"Calls per second by method", "reqps", []query{{`sum by (rpc_method) (rate(rpc_server_call_duration_seconds_count{` + sel + `}[5m]))`, "{{rpc_method}}"}}},
		{"Calls per second by status", "reqps", []query{{`sum by (rpc_response_status_code) (rate(rpc_server_call_duration_seconds_count{` + sel + `}[5m]))`, "{{rpc_response_status_code}}"}}},
		{"Latency by method (p50, p99)", "s", []query{
			{`histogram_quantile(0.5, sum by (rpc_method, le) (rate(rpc_server_call_duration_seconds_bucket{` + sel + `}[5m])))`, "p50 {{rpc_method}}"},
			{`histogram_quantile(0.99, sum by (rpc_method, le) (rate(rpc_server_call_duration_seconds_bucket{` + sel + `}[5m])))`, "p99 {{rpc_method}}"},
		}},
		{"Outbox: unpublished events and the oldest one's age", "short", []query{
			{`max(crossdock_outbox_pending{` + sel + `})`, "unpublished"},
			{`max(crossdock_outbox_oldest_pending_age_seconds{` + sel + `})`, "oldest (s)"},
		}},
		{"Consumers: lag, unacknowledged, dead letters", "short", []query{
			{`max by (consumer) (crossdock_inbox_consumer_pending{` + sel + `})`, "pending {{consumer}}"},
			{`max by (consumer) (crossdock_inbox_consumer_unacknowledged{` + sel + `})`, "unacknowledged {{consumer}}"},
			{`max by (consumer) (crossdock_inbox_dead_letters{` + sel + `})`, "dead letters {{consumer}}"},
		}},
		{"Failing steps: how many and the longest's age", "short", []query{
			{`max by (queue, kind) (crossdock_steps_failing{` + sel + `})`, "failing {{queue}} {{kind}}"},
			{`max by (queue, kind) (crossdock_steps_failing_oldest_age_seconds{` + sel + `})`, "longest (s) {{queue}} {{kind}}"},
		}},
		{"Database pool", "short", []query{
			{`sum(crossdock_db_pool_acquired{` + sel + `})`, "in use"},
			{`sum(crossdock_db_pool_max{` + sel + `})`, "maximum"},
		}},
	}, processPanels(sel)...)
}

// gatewayPanels are the REST edge's view, by route.
func gatewayPanels() []panel {
	sel := `namespace="crossdock", job="gateway"`
	return append([]panel{
		{"Requests per second by method", "reqps", []query{{`sum by (http_request_method) (rate(http_server_request_duration_seconds_count{` + sel + `}[5m]))`, "{{http_request_method}}"}}},
		{"Requests per second by status", "reqps", []query{{`sum by (http_response_status_code) (rate(http_server_request_duration_seconds_count{` + sel + `}[5m]))`, "{{http_response_status_code}}"}}},
		{"Latency (p50, p99)", "s", []query{
			{`histogram_quantile(0.5, sum by (le) (rate(http_server_request_duration_seconds_bucket{` + sel + `}[5m])))`, "p50"},
			{`histogram_quantile(0.99, sum by (le) (rate(http_server_request_duration_seconds_bucket{` + sel + `}[5m])))`, "p99"},
		}},
		{"Upstream gRPC calls per second by status", "reqps", []query{{`sum by (rpc_response_status_code) (rate(rpc_client_call_duration_seconds_count{` + sel + `}[5m]))`, "{{rpc_response_status_code}}"}}},
	}, processPanels(sel)...)
}

// processPanels are what every Go process reports about itself.
func processPanels(sel string) []panel {
	return []panel{
		{"CPU", "short", []query{{`sum by (pod) (rate(process_cpu_seconds_total{` + sel + `}[5m]))`, "{{pod}}"}}},
		{"Heap in use", "bytes", []query{{`sum by (pod) (go_memstats_heap_inuse_bytes{` + sel + `})`, "{{pod}}"}}},
		{"Goroutines", "short", []query{{`sum by (pod) (go_goroutines{` + sel + `})`, "{{pod}}"}}},
	}
}

// Dashboards returns every dashboard's JSON by file name: mesh.json and one
// per service.
func Dashboards(services []string) map[string][]byte {
	out := map[string][]byte{"mesh.json": dashboard("crossdock-mesh", "Crossdock: the mesh", meshPanels())}
	for _, s := range services {
		panels := servicePanels(s)
		if s == gatewayDashboard {
			panels = gatewayPanels()
		}
		out[s+".json"] = dashboard("crossdock-"+s, "Crossdock: "+s, panels)
	}
	return out
}

func dashboard(uid, title string, panels []panel) []byte {
	type target struct {
		Expr         string `json:"expr"`
		LegendFormat string `json:"legendFormat"`
		RefID        string `json:"refId"`
	}
	list := make([]map[string]any, len(panels))
	for i, p := range panels {
		targets := make([]target, len(p.queries))
		for j, q := range p.queries {
			targets[j] = target{q.expr, q.legend, string(rune('A' + j))}
		}
		list[i] = map[string]any{
			"id": i + 1, "type": "timeseries", "title": p.title,
			"datasource":  map[string]string{"type": "prometheus", "uid": "${datasource}"},
			"gridPos":     map[string]int{"h": 8, "w": 12, "x": (i % 2) * 12, "y": (i / 2) * 8},
			"fieldConfig": map[string]any{"defaults": map[string]string{"unit": p.unit}, "overrides": []any{}},
			"targets":     targets,
		}
	}
	d := map[string]any{
		"uid": uid, "title": title, "tags": []string{"crossdock"}, "schemaVersion": 39, "editable": false,
		"time": map[string]string{"from": "now-6h", "to": "now"}, "refresh": "1m",
		"templating": map[string]any{"list": []map[string]any{{
			"name": "datasource", "type": "datasource", "query": "prometheus", "label": "Prometheus",
		}}},
		"panels": list,
	}
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		panic("manifests: dashboard does not marshal: " + err.Error())
	}
	return append(b, '\n')
}

// metricName finds metric names in a PromQL expression: identifiers
// followed by a selector or a range, which excludes functions (followed by
// "(") and label names (followed by "=" or inside "by (...)").
var metricName = regexp.MustCompile(`([a-zA-Z_:][a-zA-Z0-9_:]*)\s*[{\[]`)

// MetricNames returns the metric names a PromQL expression reads, sorted.
func MetricNames(expr string) []string {
	var out []string
	for _, m := range metricName.FindAllStringSubmatch(expr, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	slices.Sort(out)
	return out
}

// DashboardQueries returns every PromQL expression of a dashboard's JSON.
func DashboardQueries(dashboardJSON []byte) ([]string, error) {
	var d struct {
		Panels []struct {
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(dashboardJSON, &d); err != nil {
		return nil, err
	}
	var out []string
	for _, p := range d.Panels {
		for _, t := range p.Targets {
			out = append(out, strings.TrimSpace(t.Expr))
		}
	}
	return out, nil
}
