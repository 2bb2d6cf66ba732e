package manifests

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/crossdock/crossdock/pkg/natsx"
)

// NATSAuthFile is the key of the NATS config map holding the servers'
// users: natsx.AuthorizationConfig, written out.
const NATSAuthFile = "auth.conf"

// checkNATSUsers: the NATS servers admit exactly the users of the one
// permission table (natsx.Accesses), each password comes from a Secret, and
// every service logs in as its own user with the very secret key the servers
// read its password from, so the two copies of a password cannot drift.
func checkNATSUsers(s *Set) []Violation {
	var nats *appsv1.StatefulSet
	for _, st := range s.StatefulSets() {
		if st.Name == "nats" {
			nats = st
		}
	}
	if nats == nil {
		return nil // checkNATS reports it
	}
	r := ref("StatefulSet", nats.Namespace, nats.Name)
	var out []Violation

	auth, found := "", false
	for _, v := range nats.Spec.Template.Spec.Volumes {
		if v.ConfigMap == nil {
			continue
		}
		for _, cm := range s.ConfigMaps() {
			if cm.Namespace == nats.Namespace && cm.Name == v.ConfigMap.Name {
				auth, found = cm.Data[NATSAuthFile]
			}
		}
	}
	switch {
	case !found:
		out = append(out, Violation{r, "no " + NATSAuthFile + " in its config map: NATS would admit anyone"})
	case auth != natsx.AuthorizationConfig():
		out = append(out, Violation{r, NATSAuthFile + " differs from natsx.Accesses; regenerate it " +
			"(cd deploy && go test ./manifests -run TestNATSAuthorizationFile -update)"})
	}

	serverEnv := map[string]corev1.EnvVar{}
	for _, c := range nats.Spec.Template.Spec.Containers {
		for _, v := range c.Env {
			serverEnv[v.Name] = v
		}
	}
	users := map[string]*corev1.SecretKeySelector{}
	for _, a := range natsx.Accesses {
		v := natsx.PasswordVar(a.User)
		if secret := secretRef(serverEnv[v]); secret != nil {
			users[a.User] = secret
		} else {
			out = append(out, Violation{r, v + " (the password of NATS user " + a.User + ") does not come from a secret"})
		}
	}

	for _, d := range s.Deployments() {
		from, isUser := users[d.Name]
		if !isUser {
			if _, inTable := natsx.AccessOf(d.Name); inTable {
				continue // reported above
			}
			env := s.podEnv(d)
			if _, ok := env["NATS_URL"]; ok {
				out = append(out, Violation{ref("Deployment", d.Namespace, d.Name), "connects to NATS but has no line in natsx.Accesses"})
			}
			continue
		}
		dr := ref("Deployment", d.Namespace, d.Name)
		env := s.podEnv(d)
		secret := secretRef(env["NATS_PASSWORD"])
		switch {
		case env["NATS_USER"].Value != d.Name:
			out = append(out, Violation{dr, fmt.Sprintf("NATS_USER is %q, want its own user %q", env["NATS_USER"].Value, d.Name)})
		case secret == nil:
			out = append(out, Violation{dr, "NATS_PASSWORD does not come from a secret"})
		case secret.Name != from.Name || secret.Key != from.Key:
			out = append(out, Violation{dr, fmt.Sprintf("reads its NATS password from %s/%s, the NATS servers from %s/%s",
				secret.Name, secret.Key, from.Name, from.Key)})
		}
	}
	return out
}
