package manifests

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// checkMemoryLimit: every Go container knows its memory limit, so the
// collector holds the heap under it instead of the kernel killing the pod.
// Crossdock's own processes read MEMORY_LIMIT_MIB, the container's own
// limits.memory in MiB, and keep the memory the Go runtime manages to a
// share of it (pkg/memlimit); a GOMEMLIMIT beside it would override that
// share with the whole limit.
// Other Go programs (the telemetry collector) get GOMEMLIMIT from that same
// variable, defined before it. A literal would drift from the limit an
// overlay sets.
func checkMemoryLimit(s *Set) []Violation {
	var out []Violation
	for _, d := range s.Deployments() {
		r := ref("Deployment", d.Namespace, d.Name)
		for _, c := range d.Spec.Template.Spec.Containers {
			msg := memoryLimitProblem(c)
			if _, set := s.containerEnv(d.Namespace, c)["GOMEMLIMIT"]; msg == "" && set && ownImage(c.Image) {
				msg = "GOMEMLIMIT set through a config map: it overrides the share of " + containerLimitVar + " the process keeps to"
			}
			if msg != "" {
				out = append(out, Violation{r, fmt.Sprintf("container %s: %s", c.Name, msg)})
			}
		}
	}
	return out
}

// mebibyte is the divisor that gives a memory limit in MiB.
var mebibyte = resource.MustParse("1Mi")

// containerLimitVar is the variable crossdock's processes read their
// container's memory limit from.
const containerLimitVar = "MEMORY_LIMIT_MIB"

func memoryLimitProblem(c corev1.Container) string {
	env, before, found := precedingVars(c, "GOMEMLIMIT")
	if ownImage(c.Image) {
		if found {
			return "GOMEMLIMIT set: it overrides the share of " + containerLimitVar + " the process keeps to"
		}
		v, _, defined := precedingVars(c, containerLimitVar)
		if !defined {
			return "no " + containerLimitVar
		}
		return limitVarProblem(c, containerLimitVar, v)
	}
	if !found {
		return "no GOMEMLIMIT"
	}
	value, inMiB := strings.CutSuffix(env.Value, "MiB")
	from, ref, ok := referencedVar(value, before)
	switch {
	case !inMiB || ref == "":
		return fmt.Sprintf("GOMEMLIMIT=%q, want $(VAR)MiB", env.Value)
	case !ok:
		return "GOMEMLIMIT uses $(" + ref + ") before it is defined"
	}
	return limitVarProblem(c, ref, from)
}

// limitVarProblem says what is wrong with v, named name, as container c's
// own memory limit in MiB, or "".
func limitVarProblem(c corev1.Container, name string, v corev1.EnvVar) string {
	f := v.ValueFrom
	switch {
	case f == nil || f.ResourceFieldRef == nil || f.ResourceFieldRef.Resource != "limits.memory":
		return name + " is not the container's limits.memory"
	case f.ResourceFieldRef.ContainerName != "" && f.ResourceFieldRef.ContainerName != c.Name:
		return name + " is another container's memory limit"
	case f.ResourceFieldRef.Divisor.Cmp(mebibyte) != 0:
		return name + " is not in MiB (divisor " + f.ResourceFieldRef.Divisor.String() + ")"
	}
	return ""
}
