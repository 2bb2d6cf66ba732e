package manifests

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// RequiredAlerts are the conditions an operator must hear about.
var RequiredAlerts = []string{
	"CrossdockServiceDown", "CrossdockGRPCErrorRatio", "CrossdockGRPCLatencyHigh",
	"CrossdockOutboxBacklogOld", "CrossdockConsumerLag", "CrossdockDeadLetters",
	"CrossdockDatabaseConnectionsNearLimit", "CrossdockPostgresDiskFilling",
	"CrossdockNATSDiskFilling", "CrossdockCertificateExpiring",
}

// podMonitor is the part of a PodMonitor the rule reads.
type podMonitor struct {
	Selector  metav1.LabelSelector `json:"selector"`
	Endpoints []struct {
		Port string `json:"port"`
	} `json:"podMetricsEndpoints"`
}

// checkScraped: Prometheus scrapes every Deployment's and the NATS servers'
// pods on a port they expose, and the PostgreSQL instances through
// CloudNativePG's exporter.
func checkScraped(s *Set) []Violation {
	var monitors []podMonitor
	for _, u := range s.Custom(PodMonitorGVK) {
		var pm podMonitor
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object["spec"].(map[string]any), &pm); err == nil {
			monitors = append(monitors, pm)
		}
	}
	scraped := func(labels map[string]string, containers []corev1.Container) bool {
		for _, pm := range monitors {
			if !selects(&pm.Selector, labels) {
				continue
			}
			for _, ep := range pm.Endpoints {
				for i := range containers {
					if _, ok := containerPort(&containers[i], intstr.FromString(ep.Port)); ok {
						return true
					}
				}
			}
		}
		return false
	}
	var out []Violation
	for _, w := range s.workloads() {
		if !scraped(w.template.Labels, w.template.Spec.Containers) {
			out = append(out, Violation{w.ref, "no PodMonitor scrapes its pods on a port they expose"})
		}
	}
	postgres := false
	for _, pm := range monitors {
		if selects(&pm.Selector, map[string]string{"cnpg.io/podRole": "instance", "cnpg.io/cluster": "any-db"}) {
			postgres = true
		}
	}
	if !postgres {
		out = append(out, Violation{"PodMonitor", "none scrapes the PostgreSQL instances (cnpg.io/podRole=instance)"})
	}
	return out
}

// checkAlerts: the alerts cover RequiredAlerts, and each has a severity, a
// summary and a runbook in runbookDir named after it; every dashboard the
// services need is in a config map Grafana loads.
func checkAlerts(s *Set, e Expectations) []Violation {
	var out []Violation
	seen := map[string]bool{}
	for _, u := range s.Custom(PrometheusRuleGVK) {
		r := ref("PrometheusRule", u.GetNamespace(), u.GetName())
		groups, _, _ := unstructured.NestedSlice(u.Object, "spec", "groups")
		for _, g := range groups {
			rules, _, _ := unstructured.NestedSlice(g.(map[string]any), "rules")
			for _, x := range rules {
				rule := x.(map[string]any)
				name, _, _ := unstructured.NestedString(rule, "alert")
				if name == "" {
					continue
				}
				seen[name] = true
				if sev, _, _ := unstructured.NestedString(rule, "labels", "severity"); sev != "critical" && sev != "warning" {
					out = append(out, Violation{r, name + ": severity is neither critical nor warning"})
				}
				if sum, _, _ := unstructured.NestedString(rule, "annotations", "summary"); sum == "" {
					out = append(out, Violation{r, name + ": no summary"})
				}
				url, _, _ := unstructured.NestedString(rule, "annotations", "runbook_url")
				if !strings.HasPrefix(url, "https://") || !strings.HasSuffix(url, ".md") {
					out = append(out, Violation{r, name + ": no runbook_url"})
					continue
				}
				if _, err := os.Stat(filepath.Join(e.RunbookDir, path.Base(url))); err != nil {
					out = append(out, Violation{r, fmt.Sprintf("%s: runbook %s is not in %s", name, path.Base(url), e.RunbookDir)})
				}
			}
		}
	}
	for _, name := range RequiredAlerts {
		if !seen[name] {
			out = append(out, Violation{"PrometheusRule", "no alert " + name})
		}
	}
	dashboards := map[string]bool{}
	for _, cm := range s.ConfigMaps() {
		if cm.Labels["grafana_dashboard"] == "1" {
			for k := range cm.Data {
				dashboards[k] = true
			}
		}
	}
	for _, name := range slices.Concat([]string{"mesh"}, e.Services) {
		if !dashboards[name+".json"] {
			out = append(out, Violation{"ConfigMap", "no Grafana dashboard " + name + ".json"})
		}
	}
	return out
}
