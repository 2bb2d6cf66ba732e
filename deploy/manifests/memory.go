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

func memoryLimitProblem(c corev1.Container) string {
	defined := map[string]corev1.EnvVar{}
	for _, env := range c.Env {
		if env.Name != "GOMEMLIMIT" {
			defined[env.Name] = env
			continue
		}
		v, inMiB := strings.CutSuffix(env.Value, "MiB")
		m := varReference.FindStringSubmatch(v)
		if !inMiB || m == nil {
			return fmt.Sprintf("GOMEMLIMIT=%q, want $(VAR)MiB", env.Value)
		}
		from, ok := defined[m[1]]
		if !ok {
			return "GOMEMLIMIT uses $(" + m[1] + ") before it is defined"
		}
		f := from.ValueFrom
		mib := resource.MustParse("1Mi")
		switch {
		case f == nil || f.ResourceFieldRef == nil || f.ResourceFieldRef.Resource != "limits.memory":
			return m[1] + " is not the container's limits.memory"
		case f.ResourceFieldRef.ContainerName != "" && f.ResourceFieldRef.ContainerName != c.Name:
			return m[1] + " is another container's memory limit"
		case f.ResourceFieldRef.Divisor.Cmp(mib) != 0:
			return m[1] + " is not in MiB (divisor " + f.ResourceFieldRef.Divisor.String() + ")"
		}
		return ""
	}
	return "no GOMEMLIMIT"
}
