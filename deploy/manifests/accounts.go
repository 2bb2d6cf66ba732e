package manifests

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// podEnv is the environment a Deployment's containers start with: the entries
// of the config maps they load, then their own variables, later ones winning
// as in Kubernetes. Variables from secrets keep their ValueFrom.
func (s *Set) podEnv(d *appsv1.Deployment) map[string]corev1.EnvVar {
	env := map[string]corev1.EnvVar{}
	for _, c := range d.Spec.Template.Spec.Containers {
		maps.Copy(env, s.containerEnv(d.Namespace, c))
	}
	return env
}

// containerEnv is the environment container c of a pod in namespace starts
// with: the entries of the config maps it loads, then its own variables.
func (s *Set) containerEnv(namespace string, c corev1.Container) map[string]corev1.EnvVar {
	data := map[string]map[string]string{}
	for _, cm := range s.ConfigMaps() {
		data[cm.Namespace+"/"+cm.Name] = cm.Data
	}
	env := map[string]corev1.EnvVar{}
	for _, from := range c.EnvFrom {
		if from.ConfigMapRef != nil {
			for k, v := range data[namespace+"/"+from.ConfigMapRef.Name] {
				env[k] = corev1.EnvVar{Name: k, Value: v}
			}
		}
	}
	for _, v := range c.Env {
		env[v.Name] = v
	}
	return env
}

// varReference is a whole value that is one Kubernetes variable reference,
// $(VAR), expanded from a variable defined earlier in the container.
var varReference = regexp.MustCompile(`^\$\(([A-Za-z_][A-Za-z0-9_]*)\)$`)

// referencedVar resolves value, when it is one $(VAR) reference, to the
// variable it names among before, the variables defined ahead of it (the
// only ones Kubernetes expands from). ref is the name in the reference, or ""
// when value is no reference; ok is false when VAR is not defined ahead.
func referencedVar(value string, before map[string]corev1.EnvVar) (v corev1.EnvVar, ref string, ok bool) {
	m := varReference.FindStringSubmatch(value)
	if m == nil {
		return corev1.EnvVar{}, "", false
	}
	v, ok = before[m[1]]
	return v, m[1], ok
}

// precedingVars returns the container's variable called name and the
// variables defined before it; found is false when there is none.
func precedingVars(c corev1.Container, name string) (v corev1.EnvVar, before map[string]corev1.EnvVar, found bool) {
	before = map[string]corev1.EnvVar{}
	for _, env := range c.Env {
		if env.Name == name {
			return env, before, true
		}
		before[env.Name] = env
	}
	return corev1.EnvVar{}, before, false
}

// checkServiceAccounts: every service that acts on its own behalf has a client
// id in its config and its secret from a Secret, and the users service
// bootstraps that very account from the same secret key, so a service can
// always obtain its token and the two copies of a secret cannot drift apart.
func checkServiceAccounts(s *Set, e Expectations) []Violation {
	var out []Violation
	var users *appsv1.Deployment
	for _, d := range s.Deployments() {
		if d.Name == "users" {
			users = d
		}
	}
	if users == nil {
		return []Violation{{ref("Deployment", e.Namespace, "users"), "missing: nobody bootstraps the service accounts"}}
	}
	usersRef := ref("Deployment", users.Namespace, users.Name)
	bootstrapped, problems := bootstrappedAccounts(users)
	for _, p := range problems {
		out = append(out, Violation{usersRef, p})
	}

	for _, d := range s.Deployments() {
		if d.Name == users.Name || slices.Contains(e.WithoutServiceAccount, d.Name) || e.simulator(d.Name) {
			continue
		}
		r := ref("Deployment", d.Namespace, d.Name)
		env := s.podEnv(d)
		id := env["SERVICE_CLIENT_ID"].Value
		secret := secretRef(env["SERVICE_CLIENT_SECRET"])
		switch {
		case id == "":
			out = append(out, Violation{r, "no SERVICE_CLIENT_ID: the service cannot act on its own behalf"})
			continue
		case secret == nil:
			out = append(out, Violation{r, "SERVICE_CLIENT_SECRET does not come from a secret"})
			continue
		}
		from, ok := bootstrapped[id]
		delete(bootstrapped, id)
		switch {
		case !ok:
			out = append(out, Violation{r, "the users service does not bootstrap its account " + id})
		case from.Name != secret.Name || from.Key != secret.Key:
			out = append(out, Violation{r, fmt.Sprintf("reads its secret from %s/%s, the users service bootstraps %s from %s/%s",
				secret.Name, secret.Key, id, from.Name, from.Key)})
		}
	}
	for id := range bootstrapped {
		out = append(out, Violation{usersRef, "bootstraps " + id + ", which no service uses"})
	}
	return out
}

// bootstrappedAccounts reads the users container's BOOTSTRAP_SERVICE_CLIENTS:
// which secret key each client's secret comes from. Kubernetes expands $(VAR)
// only from variables defined earlier in the list, so order is checked too.
func bootstrappedAccounts(users *appsv1.Deployment) (map[string]*corev1.SecretKeySelector, []string) {
	out := map[string]*corev1.SecretKeySelector{}
	var problems []string
	for _, c := range users.Spec.Template.Spec.Containers {
		env, before, found := precedingVars(c, "BOOTSTRAP_SERVICE_CLIENTS")
		switch {
		case !found:
			continue
		case env.ValueFrom != nil:
			problems = append(problems, "BOOTSTRAP_SERVICE_CLIENTS must be composed of $(VAR) references to the services' secret keys")
			continue
		}
		for _, pair := range strings.Split(env.Value, ",") {
			id, secret, _ := strings.Cut(pair, ":")
			from, ref, ok := referencedVar(secret, before)
			switch {
			case ref == "":
				problems = append(problems, fmt.Sprintf("BOOTSTRAP_SERVICE_CLIENTS entry %q: want client_id:$(VAR)", pair))
			case !ok:
				problems = append(problems, fmt.Sprintf("BOOTSTRAP_SERVICE_CLIENTS uses $(%s) before it is defined", ref))
			case secretRef(from) == nil:
				problems = append(problems, fmt.Sprintf("%s, the secret of %s, does not come from a secret", ref, id))
			default:
				out[id] = secretRef(from)
			}
		}
	}
	if len(out) == 0 && len(problems) == 0 {
		problems = append(problems, "no BOOTSTRAP_SERVICE_CLIENTS")
	}
	return out, problems
}
