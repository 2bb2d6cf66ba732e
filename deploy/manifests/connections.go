package manifests

import (
	"fmt"
	"slices"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// reservedConnections are the database connections kept for others than the
// service: superusers, the operator, backups, monitoring.
const reservedConnections = 10

// migrationConnections are the connections a starting pod opens beside its
// pool to run its migrations (pkg/pg MigrateSet), closed once they ran.
const migrationConnections = 2

// checkConnectionBudget: the most pods a service can run at once (its
// autoscaler's maximum or its replica count, plus the rolling update's
// surge), each with a pool of DATABASE_MAX_CONNS and, while it starts, its
// migrations' connections, stay under its database's max_connections less
// the reserved ones.
func checkConnectionBudget(s *Set, e Expectations) []Violation {
	var out []Violation
	for _, d := range s.Deployments() {
		if !slices.Contains(e.Services, d.Name) || slices.Contains(e.WithoutDatabase, d.Name) {
			continue
		}
		r := ref("Deployment", d.Namespace, d.Name)
		pool, err := strconv.Atoi(s.podEnv(d)["DATABASE_MAX_CONNS"].Value)
		if err != nil || pool < 1 {
			out = append(out, Violation{r, "no DATABASE_MAX_CONNS: the pool's size would follow the node's CPUs"})
			continue
		}
		limit := maxConnections(s, d.Name+"-db")
		if limit == 0 {
			out = append(out, Violation{r, "its database sets no max_connections"})
			continue
		}
		pods := maxPods(s, d)
		if pods*(pool+migrationConnections) > limit-reservedConnections {
			out = append(out, Violation{r, fmt.Sprintf("%d pods × (DATABASE_MAX_CONNS %d + %d for migrations) = %d connections, above max_connections %d less %d reserved",
				pods, pool, migrationConnections, pods*(pool+migrationConnections), limit, reservedConnections)})
		}
	}
	return out
}

// maxConnections is a CloudNativePG cluster's max_connections; 0 when unset.
func maxConnections(s *Set, cluster string) int {
	for _, c := range s.Clusters() {
		if c.GetName() == cluster {
			v, _, _ := unstructured.NestedString(c.Object, "spec", "postgresql", "parameters", "max_connections")
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}

// maxPods is the most pods of a Deployment that can run at once.
func maxPods(s *Set, d *appsv1.Deployment) int {
	n := 1
	if d.Spec.Replicas != nil {
		n = int(*d.Spec.Replicas)
	}
	for _, hpa := range s.Autoscalers() {
		if t := hpa.Spec.ScaleTargetRef; t.Kind == "Deployment" && t.Name == d.Name && hpa.Namespace == d.Namespace {
			n = int(hpa.Spec.MaxReplicas)
		}
	}
	surge := intstr.FromString("25%") // the Deployment default
	if ru := d.Spec.Strategy.RollingUpdate; ru != nil && ru.MaxSurge != nil {
		surge = *ru.MaxSurge
	}
	extra, err := intstr.GetScaledValueFromIntOrPercent(&surge, n, true)
	if err != nil {
		extra = n
	}
	return n + extra
}
