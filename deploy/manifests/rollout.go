package manifests

import (
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// checkGracePeriod: a crossdock service pauses before it stops (preStop), so
// endpoints drain first, and Kubernetes waits longer than that pause plus
// the service's SHUTDOWN_TIMEOUT before it kills the process.
func checkGracePeriod(s *Set, e Expectations) []Violation {
	var out []Violation
	for _, d := range s.Deployments() {
		if !slices.Contains(e.Services, d.Name) {
			continue
		}
		r := ref("Deployment", d.Namespace, d.Name)
		pod := d.Spec.Template.Spec
		var pause time.Duration
		for _, c := range pod.Containers {
			if c.Name == "server" {
				pause = preStopPause(c)
			}
		}
		if pause <= 0 {
			out = append(out, Violation{r, "no preStop pause: the process stops while endpoints still send it traffic"})
		}
		shutdown, err := time.ParseDuration(s.podEnv(d)["SHUTDOWN_TIMEOUT"].Value)
		if err != nil {
			out = append(out, Violation{r, "no valid SHUTDOWN_TIMEOUT"})
			continue
		}
		grace := 30 * time.Second // Kubernetes' default
		if pod.TerminationGracePeriodSeconds != nil {
			grace = time.Duration(*pod.TerminationGracePeriodSeconds) * time.Second
		}
		if grace <= pause+shutdown {
			out = append(out, Violation{r, fmt.Sprintf("terminationGracePeriodSeconds %v is not above the preStop pause %v plus SHUTDOWN_TIMEOUT %v", grace, pause, shutdown)})
		}
	}
	return out
}

// preStopPause is how long the container's preStop hook waits: a sleep
// action's seconds; zero without one.
func preStopPause(c corev1.Container) time.Duration {
	if c.Lifecycle == nil || c.Lifecycle.PreStop == nil || c.Lifecycle.PreStop.Sleep == nil {
		return 0
	}
	return time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
}

// Topology keys a production replica set is spread over.
const (
	zoneKey = "topology.kubernetes.io/zone"
	hostKey = "kubernetes.io/hostname"
)

// checkTopologySpread: production replicas are spread over zones and nodes
// as a requirement, not a preference, so one node's or zone's loss takes at
// most its share of each service, of the NATS servers' quorum (a
// StatefulSet's replicas are spread as a Deployment's are), and of each
// database's instances.
func checkTopologySpread(s *Set) []Violation {
	var out []Violation
	for _, w := range s.workloads() {
		for _, key := range []string{zoneKey, hostKey} {
			hard := false
			for _, c := range w.template.Spec.TopologySpreadConstraints {
				if c.TopologyKey == key && c.WhenUnsatisfiable == corev1.DoNotSchedule && c.MaxSkew == 1 &&
					(selects(c.LabelSelector, w.template.Labels) || slices.Contains(c.MatchLabelKeys, nameLabel)) {
					hard = true
				}
			}
			if !hard {
				out = append(out, Violation{w.ref, "replicas not spread over " + key + " with DoNotSchedule and maxSkew 1"})
			}
		}
	}
	// A database's instances (CloudNativePG's anti-affinity): kept apart
	// by zone, as a requirement. Apart by zone is apart by node too.
	for _, c := range s.Clusters() {
		typ, _, _ := unstructured.NestedString(c.Object, "spec", "affinity", "podAntiAffinityType")
		key, _, _ := unstructured.NestedString(c.Object, "spec", "affinity", "topologyKey")
		on, found, _ := unstructured.NestedBool(c.Object, "spec", "affinity", "enablePodAntiAffinity")
		if (found && !on) || typ != "required" || key != zoneKey {
			out = append(out, Violation{ref("Cluster", c.GetNamespace(), c.GetName()),
				"instances not kept apart by " + zoneKey + " as a requirement (affinity.podAntiAffinityType required)"})
		}
	}
	return out
}
