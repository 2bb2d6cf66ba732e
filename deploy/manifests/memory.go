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
			if msg := memoryLimitProblem(c); msg != "" {
				out = append(out, Violation{r, fmt.Sprintf("container %s: %s", c.Name, msg)})
			}
			// Our own image's GOMEMLIMIT, in its env or through a config
			// map it loads: one look at everything the process is given.
			if _, set := s.containerEnv(d.Namespace, c)["GOMEMLIMIT"]; set && ownImage(c.Image) {
				out = append(out, Violation{r, fmt.Sprintf("container %s: GOMEMLIMIT set (in its env or a config map): it overrides the share of %s the process keeps to",
					c.Name, containerLimitVar)})
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

// memoryLimitProblem says what is wrong with how container c learns its
// memory limit from its own env, or "". A GOMEMLIMIT our own image is given
// is checkMemoryLimit's to find, config maps included.
func memoryLimitProblem(c corev1.Container) string {
	if ownImage(c.Image) {
		v, _, defined := precedingVars(c, containerLimitVar)
		if !defined {
			return "no " + containerLimitVar
		}
		return limitVarProblem(c, containerLimitVar, v)
	}
	env, before, found := precedingVars(c, "GOMEMLIMIT")
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
