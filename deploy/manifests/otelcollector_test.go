package manifests_test

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// The dev overlay's collector configuration, as rendered into its config
// map, is complete (every pipeline names receivers, processors and exporters
// defined in it), listens where the services send (mesh-settings'
// OTEL_EXPORTER_OTLP_ENDPOINT, through the collector's Service) and answers
// its probes on the health extension's port.
func TestOTelCollectorConfig(t *testing.T) {
	set := load(t, "dev")
	var raw, endpoint string
	for _, cm := range set.ConfigMaps() {
		switch {
		case strings.HasPrefix(cm.Name, "otel-collector-config"):
			raw = cm.Data["config.yaml"]
		case strings.HasPrefix(cm.Name, "mesh-settings"):
			endpoint = cm.Data["OTEL_EXPORTER_OTLP_ENDPOINT"]
		}
	}
	var cfg struct {
		Receivers  map[string]map[string]any `json:"receivers"`
		Processors map[string]any            `json:"processors"`
		Exporters  map[string]any            `json:"exporters"`
		Extensions map[string]struct {
			Endpoint string `json:"endpoint"`
		} `json:"extensions"`
		Service struct {
			Extensions []string       `json:"extensions"`
			Telemetry  map[string]any `json:"telemetry"`
			Pipelines  map[string]struct {
				Receivers, Processors, Exporters []string
			} `json:"pipelines"`
		} `json:"service"`
	}
	if err := yaml.UnmarshalStrict([]byte(raw), &cfg); err != nil {
		t.Fatalf("collector config: %v\n%s", err, raw)
	}
	traces, ok := cfg.Service.Pipelines["traces"]
	if !ok || len(traces.Receivers) == 0 || len(traces.Exporters) == 0 {
		t.Fatalf("no complete traces pipeline: %+v", cfg.Service.Pipelines)
	}
	for name, p := range cfg.Service.Pipelines {
		for kind, refs := range map[string][]string{"receiver": p.Receivers, "processor": p.Processors, "exporter": p.Exporters} {
			defined := map[string]bool{}
			switch kind {
			case "receiver":
				for k := range cfg.Receivers {
					defined[k] = true
				}
			case "processor":
				for k := range cfg.Processors {
					defined[k] = true
				}
			default:
				for k := range cfg.Exporters {
					defined[k] = true
				}
			}
			for _, r := range refs {
				if !defined[r] {
					t.Errorf("pipeline %s uses %s %q, not defined", name, kind, r)
				}
			}
		}
	}
	for _, ext := range cfg.Service.Extensions {
		if _, ok := cfg.Extensions[ext]; !ok {
			t.Errorf("extension %q used but not defined", ext)
		}
	}

	u, err := url.Parse(endpoint)
	if err != nil || u.Hostname() != "otel-collector" || u.Port() != "4317" {
		t.Fatalf("services export to %q, want the collector's Service on 4317", endpoint)
	}
	grpc, _ := cfg.Receivers["otlp"]["protocols"].(map[string]any)["grpc"].(map[string]any)
	if ep, _ := grpc["endpoint"].(string); !strings.HasSuffix(ep, ":4317") {
		t.Errorf("OTLP gRPC receiver listens on %q, not 4317", ep)
	}
	collector := deployment(t, set, "otel-collector").Spec.Template.Spec.Containers[0]
	health := cfg.Extensions["health_check"].Endpoint
	if !slices.ContainsFunc(collector.Ports, func(p corev1.ContainerPort) bool {
		return p.Name == collector.ReadinessProbe.HTTPGet.Port.StrVal && strings.HasSuffix(health, ":"+strconv.Itoa(int(p.ContainerPort)))
	}) {
		t.Errorf("readiness probe port %v is not the health extension's %q", collector.ReadinessProbe.HTTPGet.Port, health)
	}
	if !slices.Contains(collector.Args, "--config=/conf/config.yaml") {
		t.Errorf("collector args %v do not name the mounted config", collector.Args)
	}
}
