package manifests

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// checkMemoryLimit: every crossdock container tells the Go runtime its memory
// limit (GOMEMLIMIT, in MiB, from its own limits.memory through a variable
// defined before it), so the collector holds the heap under the limit
// instead of the kernel killing the pod. A literal would drift from the limit
// an overlay sets.
func checkMemoryLimit(s *Set) []Violation {
	var out []Violation
	for _, d := range s.Deployments() {
		r := ref("Deployment", d.Namespace, d.Name)
		for _, c := range d.Spec.Template.Spec.Containers {
			if msg := memoryLimitProblem(c); msg != "" {
				out = append(out, Violation{r, fmt.Sprintf("container %s: %s", c.Name, msg)})
			}
		}
	}
	return out
}

// mebibyte is the divisor that gives a memory limit in MiB.
var mebibyte = resource.MustParse("1Mi")

func memoryLimitProblem(c corev1.Container) string {
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
	f := from.ValueFrom
	switch {
	case f == nil || f.ResourceFieldRef == nil || f.ResourceFieldRef.Resource != "limits.memory":
		return ref + " is not the container's limits.memory"
	case f.ResourceFieldRef.ContainerName != "" && f.ResourceFieldRef.ContainerName != c.Name:
		return ref + " is another container's memory limit"
	case f.ResourceFieldRef.Divisor.Cmp(mebibyte) != 0:
		return ref + " is not in MiB (divisor " + f.ResourceFieldRef.Divisor.String() + ")"
	}
	return ""
}
