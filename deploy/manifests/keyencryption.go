package manifests

import "fmt"

// keyEncryptionVar is the users service's key-encryption key for its
// access-token signing keys.
const keyEncryptionVar = "SIGNING_KEY_ENCRYPTION_KEY"

// checkKeyEncryption: the users service, and only it, gets
// SIGNING_KEY_ENCRYPTION_KEY, and from a secret, never as a literal: it is
// what keeps the signing keys sealed in the database and its backups.
func checkKeyEncryption(s *Set) []Violation {
	var out []Violation
	for _, d := range s.Deployments() {
		r := ref("Deployment", d.Namespace, d.Name)
		found := false
		for _, c := range d.Spec.Template.Spec.Containers {
			for _, env := range c.Env {
				if env.Name != keyEncryptionVar {
					continue
				}
				found = true
				switch {
				case d.Name != "users":
					out = append(out, Violation{r, fmt.Sprintf("gets %s, which only users may hold", keyEncryptionVar)})
				case secretRef(env) == nil:
					out = append(out, Violation{r, keyEncryptionVar + " does not come from a secret"})
				case secretRef(env).Optional != nil && *secretRef(env).Optional:
					out = append(out, Violation{r, keyEncryptionVar + " is optional, but users does not start without it"})
				}
			}
		}
		if d.Name == "users" && !found {
			out = append(out, Violation{r, "no " + keyEncryptionVar})
		}
	}
	return out
}
