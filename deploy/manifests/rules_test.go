package manifests_test

import (
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/crossdock/crossdock/deploy/manifests"
)

func deployment(t *testing.T, s *manifests.Set, name string) *appsv1.Deployment {
	t.Helper()
	for _, d := range s.Deployments() {
		if d.Name == name {
			return d
		}
	}
	t.Fatalf("no Deployment %s", name)
	return nil
}

func server(t *testing.T, s *manifests.Set, name string) *corev1.Container {
	t.Helper()
	return &deployment(t, s, name).Spec.Template.Spec.Containers[0]
}

// envVar is the container's variable with that name.
func envVar(t *testing.T, c *corev1.Container, name string) *corev1.EnvVar {
	t.Helper()
	for i := range c.Env {
		if c.Env[i].Name == name {
			return &c.Env[i]
		}
	}
	t.Fatalf("container %s has no %s", c.Name, name)
	return nil
}

// partnerIngress is production's Ingress for PartnerService.
func partnerIngress(t *testing.T, s *manifests.Set) *networkingv1.Ingress {
	t.Helper()
	for _, ing := range s.Ingresses() {
		if ing.Name == "platform-docking-partners" {
			return ing
		}
	}
	t.Fatal("no Ingress platform-docking-partners")
	return nil
}

// policy is the set's NetworkPolicy of that name.
func policy(t *testing.T, s *manifests.Set, name string) *networkingv1.NetworkPolicy {
	t.Helper()
	for _, np := range s.NetworkPolicies() {
		if np.Name == name {
			return np
		}
	}
	t.Fatalf("no NetworkPolicy %s", name)
	return nil
}

// drop removes the objects of a kind with a name from the set.
func drop(s *manifests.Set, kind, name string) {
	s.Objects = slices.DeleteFunc(s.Objects, func(o manifests.Object) bool {
		return o.GVK.Kind == kind && o.Value.GetName() == name
	})
}

// natsAuth is the data of the NATS servers' config map.
func natsAuth(t *testing.T, s *manifests.Set) map[string]string {
	t.Helper()
	for _, cm := range s.ConfigMaps() {
		if strings.HasPrefix(cm.Name, "nats-config") {
			return cm.Data
		}
	}
	t.Fatal("no nats-config config map")
	return nil
}

// setConfig sets a key of the config map whose name starts with prefix (the
// generator's hash follows it).
func setConfig(t *testing.T, s *manifests.Set, prefix, key, value string) {
	t.Helper()
	for _, cm := range s.ConfigMaps() {
		if strings.HasPrefix(cm.Name, prefix+"-") || cm.Name == prefix {
			cm.Data[key] = value
			return
		}
	}
	t.Fatalf("no config map %s", prefix)
}

// alertRules are the rules of every group of the PrometheusRule, one slice
// whose maps the caller may change in place.
func alertRules(t *testing.T, s *manifests.Set) []any {
	t.Helper()
	var out []any
	for _, u := range s.Custom(manifests.PrometheusRuleGVK) {
		// Not NestedSlice, which copies: the maps must be the object's own.
		for _, g := range u.Object["spec"].(map[string]any)["groups"].([]any) {
			out = append(out, g.(map[string]any)["rules"].([]any)...)
		}
	}
	if len(out) == 0 {
		t.Fatal("no alert rules")
	}
	return out
}

func cluster(t *testing.T, s *manifests.Set, name string) *unstructured.Unstructured {
	t.Helper()
	for _, c := range s.Clusters() {
		if c.GetName() == name {
			return c
		}
	}
	t.Fatalf("no Cluster %s", name)
	return nil
}

// TestRulesCatchViolations breaks a correct overlay in one place at a time and
// expects the rule in charge to report it, so no rule passes vacuously.
func TestRulesCatchViolations(t *testing.T) {
	cases := []struct {
		rule, overlay, name string
		breakIt             func(t *testing.T, s *manifests.Set)
	}{
		{"probes", "dev", "no readiness probe", func(t *testing.T, s *manifests.Set) {
			server(t, s, "users").ReadinessProbe = nil
		}},
		{"probes", "dev", "no liveness probe", func(t *testing.T, s *manifests.Set) {
			server(t, s, "gateway").LivenessProbe = nil
		}},
		{"probes", "dev", "backend probed over HTTP", func(t *testing.T, s *manifests.Set) {
			server(t, s, "orders").ReadinessProbe.ProbeHandler = corev1.ProbeHandler{
				HTTPGet: &corev1.HTTPGetAction{Path: "/readyz", Port: intstr.FromString("admin")},
			}
		}},
		{"probes", "dev", "backend liveness asks the gRPC health service", func(t *testing.T, s *manifests.Set) {
			server(t, s, "orders").LivenessProbe.ProbeHandler = corev1.ProbeHandler{
				GRPC: &corev1.GRPCAction{Port: 9090},
			}
		}},
		{"probes", "dev", "probe on a missing port", func(t *testing.T, s *manifests.Set) {
			server(t, s, "gateway").ReadinessProbe.HTTPGet.Port = intstr.FromString("metrics")
		}},
		{"resources", "dev", "no memory limit", func(t *testing.T, s *manifests.Set) {
			delete(server(t, s, "catalog").Resources.Limits, corev1.ResourceMemory)
		}},
		{"resources", "prod", "no cpu request", func(t *testing.T, s *manifests.Set) {
			delete(server(t, s, "finance").Resources.Requests, corev1.ResourceCPU)
		}},
		{"non-root", "dev", "container allows root", func(t *testing.T, s *manifests.Set) {
			server(t, s, "inventory").SecurityContext.RunAsNonRoot = ptr.To(false)
		}},
		{"non-root", "dev", "uid 0", func(t *testing.T, s *manifests.Set) {
			server(t, s, "inventory").SecurityContext.RunAsUser = ptr.To[int64](0)
		}},
		{"image-tag", "dev", "untagged", func(t *testing.T, s *manifests.Set) {
			server(t, s, "users").Image = "crossdock/users"
		}},
		{"image-tag", "dev", "latest", func(t *testing.T, s *manifests.Set) {
			server(t, s, "users").Image = "registry.example:5000/crossdock/users:latest"
		}},
		{"image-tag", "prod", "not a release", func(t *testing.T, s *manifests.Set) {
			server(t, s, "users").Image = "registry.example/acme/crossdock/users:dev"
		}},
		{"image-tag", "prod", "names no registry", func(t *testing.T, s *manifests.Set) {
			server(t, s, "users").Image = "crossdock/users:0.1.0"
		}},
		{"image-tag", "prod", "names no registry", func(t *testing.T, s *manifests.Set) {
			server(t, s, "users").Image = "acme/crossdock/users:0.1.0"
		}},
		{"seccomp", "dev", "unconfined", func(t *testing.T, s *manifests.Set) {
			server(t, s, "logistics").SecurityContext.SeccompProfile.Type = corev1.SeccompProfileTypeUnconfined
		}},
		{"read-only-root", "dev", "writable root", func(t *testing.T, s *manifests.Set) {
			server(t, s, "logistics").SecurityContext.ReadOnlyRootFilesystem = nil
		}},
		{"no-privileges", "dev", "privilege escalation", func(t *testing.T, s *manifests.Set) {
			server(t, s, "platform-docking").SecurityContext.AllowPrivilegeEscalation = ptr.To(true)
		}},
		{"no-privileges", "dev", "added capability", func(t *testing.T, s *manifests.Set) {
			server(t, s, "platform-docking").SecurityContext.Capabilities.Add = []corev1.Capability{"NET_ADMIN"}
		}},
		{"no-token", "dev", "token mounted", func(t *testing.T, s *manifests.Set) {
			deployment(t, s, "freight-estimator").Spec.Template.Spec.AutomountServiceAccountToken = nil
		}},
		{"services-present", "dev", "service missing", func(t *testing.T, s *manifests.Set) {
			drop(s, "Deployment", "orders")
		}},
		{"services-present", "dev", "simulator's Service missing", func(t *testing.T, s *manifests.Set) {
			drop(s, "Service", "payment-sandbox")
		}},
		{"services-present", "prod", "simulator in production", func(t *testing.T, s *manifests.Set) {
			d := deployment(t, s, "gateway").DeepCopy()
			d.Name = "payment-sandbox"
			s.Objects = append(s.Objects, manifests.Object{GVK: appsv1.SchemeGroupVersion.WithKind("Deployment"), Value: d})
		}},
		{"probes", "dev", "simulator without a liveness probe", func(t *testing.T, s *manifests.Set) {
			server(t, s, "payment-sandbox").LivenessProbe = nil
		}},
		{"database-url-from-secret", "dev", "simulator given a database", func(t *testing.T, s *manifests.Set) {
			c := server(t, s, "payment-sandbox")
			c.Env = append(c.Env, *envVar(t, server(t, s, "finance"), "DATABASE_URL"))
		}},
		{"services-present", "prod", "unlabelled pods", func(t *testing.T, s *manifests.Set) {
			delete(deployment(t, s, "orders").Spec.Template.Labels, "app.kubernetes.io/part-of")
		}},
		{"network-policy", "dev", "policy missing", func(t *testing.T, s *manifests.Set) {
			drop(s, "NetworkPolicy", "finance")
		}},
		{"network-policy", "prod", "ingress only", func(t *testing.T, s *manifests.Set) {
			for _, np := range s.NetworkPolicies() {
				np.Spec.PolicyTypes = np.Spec.PolicyTypes[:1]
			}
		}},
		{"signing-key-encryption", "prod", "literal key", func(t *testing.T, s *manifests.Set) {
			*envVar(t, server(t, s, "users"), "SIGNING_KEY_ENCRYPTION_KEY") = corev1.EnvVar{Name: "SIGNING_KEY_ENCRYPTION_KEY", Value: "k1:c2VjcmV0"}
		}},
		{"signing-key-encryption", "dev", "missing", func(t *testing.T, s *manifests.Set) {
			c := server(t, s, "users")
			c.Env = slices.DeleteFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "SIGNING_KEY_ENCRYPTION_KEY" })
		}},
		{"signing-key-encryption", "prod", "optional", func(t *testing.T, s *manifests.Set) {
			optional := true
			envVar(t, server(t, s, "users"), "SIGNING_KEY_ENCRYPTION_KEY").ValueFrom.SecretKeyRef.Optional = &optional
		}},
		{"signing-key-encryption", "dev", "another service holds it", func(t *testing.T, s *manifests.Set) {
			c := server(t, s, "orders")
			c.Env = append(c.Env, *envVar(t, server(t, s, "users"), "SIGNING_KEY_ENCRYPTION_KEY").DeepCopy())
		}},
		{"database-url-from-secret", "dev", "literal url", func(t *testing.T, s *manifests.Set) {
			*envVar(t, server(t, s, "users"), "DATABASE_URL") = corev1.EnvVar{Name: "DATABASE_URL", Value: "postgres://users:secret@users-db-rw/users"}
		}},
		{"database-url-from-secret", "dev", "another service's secret", func(t *testing.T, s *manifests.Set) {
			envVar(t, server(t, s, "orders"), "DATABASE_URL").ValueFrom.SecretKeyRef.Name = "users-db-app"
		}},
		{"database-url-from-secret", "dev", "missing", func(t *testing.T, s *manifests.Set) {
			c := server(t, s, "orders")
			c.Env = slices.DeleteFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "DATABASE_URL" })
		}},
		{"database-url-from-secret", "dev", "gateway with a database", func(t *testing.T, s *manifests.Set) {
			gw := server(t, s, "gateway")
			gw.Env = append(gw.Env, *envVar(t, server(t, s, "users"), "DATABASE_URL").DeepCopy())
		}},
		{"database-clusters", "dev", "cluster missing", func(t *testing.T, s *manifests.Set) {
			drop(s, "Cluster", "catalog-db")
		}},
		{"database-clusters", "prod", "wrong owner", func(t *testing.T, s *manifests.Set) {
			c := cluster(t, s, "freight-estimator-db")
			if err := unstructured.SetNestedField(c.Object, "freight-estimator", "spec", "bootstrap", "initdb", "owner"); err != nil {
				t.Fatal(err)
			}
		}},
		{"database-clusters", "prod", "single instance", func(t *testing.T, s *manifests.Set) {
			if err := unstructured.SetNestedField(cluster(t, s, "orders-db").Object, int64(1), "spec", "instances"); err != nil {
				t.Fatal(err)
			}
		}},
		{"namespace", "dev", "object elsewhere", func(t *testing.T, s *manifests.Set) {
			deployment(t, s, "catalog").Namespace = "default"
		}},
		{"namespace", "prod", "namespace missing", func(t *testing.T, s *manifests.Set) {
			drop(s, "Namespace", "crossdock")
		}},
		{"references", "dev", "unhashed config map", func(t *testing.T, s *manifests.Set) {
			server(t, s, "users").EnvFrom[0].ConfigMapRef.Name = "users-config"
		}},
		{"references", "dev", "missing service account", func(t *testing.T, s *manifests.Set) {
			drop(s, "ServiceAccount", "gateway")
		}},
		{"references", "dev", "unhashed secret", func(t *testing.T, s *manifests.Set) {
			envVar(t, server(t, s, "catalog"), "SERVICE_CLIENT_SECRET").ValueFrom.SecretKeyRef.Name = "service-accounts"
		}},
		{"references", "prod", "secret nobody supplies", func(t *testing.T, s *manifests.Set) {
			envVar(t, server(t, s, "orders"), "SERVICE_CLIENT_SECRET").ValueFrom.SecretKeyRef.Name = "orders-account"
		}},
		{"service-accounts", "dev", "no client id", func(t *testing.T, s *manifests.Set) {
			c := server(t, s, "finance")
			c.Env = append(c.Env, corev1.EnvVar{Name: "SERVICE_CLIENT_ID"})
		}},
		{"service-accounts", "dev", "literal secret", func(t *testing.T, s *manifests.Set) {
			*envVar(t, server(t, s, "logistics"), "SERVICE_CLIENT_SECRET") = corev1.EnvVar{Name: "SERVICE_CLIENT_SECRET", Value: "in-the-manifest-0001"}
		}},
		{"service-accounts", "prod", "secret keys disagree", func(t *testing.T, s *manifests.Set) {
			envVar(t, server(t, s, "catalog"), "SERVICE_CLIENT_SECRET").ValueFrom.SecretKeyRef.Key = "inventory"
		}},
		{"service-accounts", "dev", "account not bootstrapped", func(t *testing.T, s *manifests.Set) {
			v := envVar(t, server(t, s, "users"), "BOOTSTRAP_SERVICE_CLIENTS")
			v.Value = strings.Replace(v.Value, "svc-orders:", "svc-order:", 1)
		}},
		{"service-accounts", "prod", "variable used before it is defined", func(t *testing.T, s *manifests.Set) {
			c := server(t, s, "users")
			last := c.Env[len(c.Env)-1]
			c.Env = append([]corev1.EnvVar{last}, c.Env[:len(c.Env)-1]...)
		}},
		{"memory-limit", "dev", "no container limit", func(t *testing.T, s *manifests.Set) {
			c := server(t, s, "gateway")
			c.Env = slices.DeleteFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "MEMORY_LIMIT_MIB" })
		}},
		{"memory-limit", "prod", "GOMEMLIMIT overriding the share", func(t *testing.T, s *manifests.Set) {
			c := server(t, s, "freight-estimator")
			c.Env = append(c.Env, corev1.EnvVar{Name: "GOMEMLIMIT", Value: "$(MEMORY_LIMIT_MIB)MiB"})
		}},
		{"memory-limit", "dev", "GOMEMLIMIT through a config map", func(t *testing.T, s *manifests.Set) {
			for _, from := range server(t, s, "catalog").EnvFrom {
				for _, cm := range s.ConfigMaps() {
					if from.ConfigMapRef != nil && cm.Name == from.ConfigMapRef.Name {
						cm.Data["GOMEMLIMIT"] = "200MiB"
						return
					}
				}
			}
			t.Fatal("catalog loads no config map")
		}},
		{"memory-limit", "prod", "limit of cpu", func(t *testing.T, s *manifests.Set) {
			envVar(t, server(t, s, "orders"), "MEMORY_LIMIT_MIB").ValueFrom.ResourceFieldRef.Resource = "limits.cpu"
		}},
		{"memory-limit", "dev", "in bytes", func(t *testing.T, s *manifests.Set) {
			envVar(t, server(t, s, "orders"), "MEMORY_LIMIT_MIB").ValueFrom.ResourceFieldRef.Divisor = resource.MustParse("1")
		}},
		{"memory-limit", "dev", "another container's limit", func(t *testing.T, s *manifests.Set) {
			envVar(t, server(t, s, "payment-sandbox"), "MEMORY_LIMIT_MIB").ValueFrom.ResourceFieldRef.ContainerName = "sidecar"
		}},
		{"memory-limit", "dev", "collector without GOMEMLIMIT", func(t *testing.T, s *manifests.Set) {
			c := server(t, s, "otel-collector")
			c.Env = slices.DeleteFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "GOMEMLIMIT" })
		}},
		{"memory-limit", "dev", "collector's literal limit", func(t *testing.T, s *manifests.Set) {
			envVar(t, server(t, s, "otel-collector"), "GOMEMLIMIT").Value = "512MiB"
		}},
		{"memory-limit", "dev", "collector's limit in bytes", func(t *testing.T, s *manifests.Set) {
			envVar(t, server(t, s, "otel-collector"), "MEMORY_LIMIT_MIB").ValueFrom.ResourceFieldRef.Divisor = resource.MustParse("1")
		}},
		{"peer-addresses", "dev", "no USERS_ADDR", func(t *testing.T, s *manifests.Set) {
			server(t, s, "catalog").EnvFrom = nil // the config map that sets it
		}},
		{"peer-addresses", "prod", "peer on a wrong port", func(t *testing.T, s *manifests.Set) {
			server(t, s, "freight-estimator").Env = append(server(t, s, "freight-estimator").Env, corev1.EnvVar{Name: "CATALOG_ADDR", Value: "catalog:8080"})
		}},
		{"service-selectors", "dev", "selector typo", func(t *testing.T, s *manifests.Set) {
			for _, svc := range s.Services() {
				if svc.Name == "inventory" {
					svc.Spec.Selector["app.kubernetes.io/name"] = "inventroy"
				}
			}
		}},
		{"service-selectors", "dev", "target port typo", func(t *testing.T, s *manifests.Set) {
			for _, svc := range s.Services() {
				if svc.Name == "gateway" {
					svc.Spec.Ports[0].TargetPort = intstr.FromString("https")
				}
			}
		}},
		{"replicas", "dev", "two replicas", func(t *testing.T, s *manifests.Set) {
			deployment(t, s, "users").Spec.Replicas = ptr.To[int32](2)
		}},
		{"replicas", "prod", "fixed count beside an autoscaler", func(t *testing.T, s *manifests.Set) {
			deployment(t, s, "users").Spec.Replicas = ptr.To[int32](3)
		}},
		{"nats-cluster", "dev", "single server", func(t *testing.T, s *manifests.Set) {
			s.StatefulSets()[0].Spec.Replicas = ptr.To[int32](1)
		}},
		{"nats-cluster", "prod", "no budget", func(t *testing.T, s *manifests.Set) {
			drop(s, "PodDisruptionBudget", "nats")
		}},
		{"nats-users", "dev", "auth.conf edited by hand", func(t *testing.T, s *manifests.Set) {
			natsAuth(t, s)[manifests.NATSAuthFile] += "# allow everything\n"
		}},
		{"nats-users", "dev", "no users for the servers", func(t *testing.T, s *manifests.Set) {
			delete(natsAuth(t, s), manifests.NATSAuthFile)
		}},
		{"nats-users", "prod", "server password not from a secret", func(t *testing.T, s *manifests.Set) {
			c := &s.StatefulSets()[0].Spec.Template.Spec.Containers[0]
			*envVar(t, c, "NATS_PASSWORD_CATALOG") = corev1.EnvVar{Name: "NATS_PASSWORD_CATALOG", Value: "hunter2"}
		}},
		{"nats-users", "dev", "a service logs in as another", func(t *testing.T, s *manifests.Set) {
			for _, cm := range s.ConfigMaps() {
				if strings.HasPrefix(cm.Name, "inventory-config") {
					cm.Data["NATS_USER"] = "catalog"
				}
			}
		}},
		{"nats-users", "prod", "a service reads another's password", func(t *testing.T, s *manifests.Set) {
			envVar(t, server(t, s, "orders"), "NATS_PASSWORD").ValueFrom.SecretKeyRef.Name = "users-nats"
		}},
		{"nats-users", "dev", "the gateway connects without its login", func(t *testing.T, s *manifests.Set) {
			c := server(t, s, "gateway")
			c.Env = slices.DeleteFunc(c.Env, func(v corev1.EnvVar) bool { return v.Name == "NATS_PASSWORD" })
		}},
		{"disruption-budget", "prod", "budget missing", func(t *testing.T, s *manifests.Set) {
			drop(s, "PodDisruptionBudget", "gateway")
		}},
		{"autoscaler", "prod", "autoscaler missing", func(t *testing.T, s *manifests.Set) {
			drop(s, "HorizontalPodAutoscaler", "platform-docking")
		}},
		{"autoscaler", "prod", "may scale to one", func(t *testing.T, s *manifests.Set) {
			s.Autoscalers()[0].Spec.MinReplicas = ptr.To[int32](1)
		}},
		{"grace-period", "dev", "no preStop pause", func(t *testing.T, s *manifests.Set) {
			server(t, s, "orders").Lifecycle = nil
		}},
		{"grace-period", "prod", "grace shorter than the shutdown", func(t *testing.T, s *manifests.Set) {
			deployment(t, s, "finance").Spec.Template.Spec.TerminationGracePeriodSeconds = ptr.To[int64](15)
		}},
		{"nats-streams", "prod", "a stream without a size limit", func(t *testing.T, s *manifests.Set) {
			setConfig(t, s, "catalog-config", "NATS_STREAM_MAX_BYTES", "0")
		}},
		{"nats-streams", "prod", "streams on one replica", func(t *testing.T, s *manifests.Set) {
			setConfig(t, s, "mesh-settings", "NATS_STREAM_REPLICAS", "1")
		}},
		{"nats-streams", "dev", "services disagree on the dead letters' limits", func(t *testing.T, s *manifests.Set) {
			setConfig(t, s, "inventory-config", "NATS_DEADLETTER_MAX_AGE", "1h")
		}},
		{"nats-streams", "prod", "the limits do not fit the volume", func(t *testing.T, s *manifests.Set) {
			setConfig(t, s, "mesh-settings", "NATS_STREAM_MAX_BYTES", "4294967296")
		}},
		{"connection-budget", "prod", "pools above max_connections", func(t *testing.T, s *manifests.Set) {
			setConfig(t, s, "finance-config", "DATABASE_MAX_CONNS", "20")
		}},
		{"connection-budget", "prod", "pools and the migrations' connections above max_connections", func(t *testing.T, s *manifests.Set) {
			setConfig(t, s, "finance-config", "DATABASE_MAX_CONNS", "11")
		}},
		{"connection-budget", "dev", "no pool size", func(t *testing.T, s *manifests.Set) {
			setConfig(t, s, "mesh-settings", "DATABASE_MAX_CONNS", "")
		}},
		{"connection-budget", "prod", "more replicas than connections", func(t *testing.T, s *manifests.Set) {
			for _, hpa := range s.Autoscalers() {
				if hpa.Name == "orders" {
					hpa.Spec.MaxReplicas = 12
				}
			}
		}},
		{"forwarded-for", "prod", "the gateway ignores X-Forwarded-For behind the ingress", func(t *testing.T, s *manifests.Set) {
			setConfig(t, s, "gateway-config", "TRUST_FORWARDED_FOR", "false")
		}},
		{"forwarded-for", "prod", "anyone may set X-Forwarded-For", func(t *testing.T, s *manifests.Set) {
			for _, np := range s.NetworkPolicies() {
				if np.Name == "gateway" {
					np.Spec.Ingress[0].From = nil
				}
			}
		}},
		{"topology-spread", "prod", "zones only preferred", func(t *testing.T, s *manifests.Set) {
			for i := range deployment(t, s, "users").Spec.Template.Spec.TopologySpreadConstraints {
				deployment(t, s, "users").Spec.Template.Spec.TopologySpreadConstraints[i].WhenUnsatisfiable = corev1.ScheduleAnyway
			}
		}},
		{"topology-spread", "prod", "NATS servers only preferred apart", func(t *testing.T, s *manifests.Set) {
			for _, st := range s.StatefulSets() {
				if st.Name == "nats" {
					for i := range st.Spec.Template.Spec.TopologySpreadConstraints {
						st.Spec.Template.Spec.TopologySpreadConstraints[i].WhenUnsatisfiable = corev1.ScheduleAnyway
					}
				}
			}
		}},
		{"topology-spread", "prod", "a database's instances only preferred apart", func(t *testing.T, s *manifests.Set) {
			_ = unstructured.SetNestedField(cluster(t, s, "orders-db").Object, "preferred", "spec", "affinity", "podAntiAffinityType")
		}},
		{"topology-spread", "prod", "a database's instances apart by node only", func(t *testing.T, s *manifests.Set) {
			_ = unstructured.SetNestedField(cluster(t, s, "finance-db").Object, "kubernetes.io/hostname", "spec", "affinity", "topologyKey")
		}},
		{"backups", "prod", "no WAL archiving", func(t *testing.T, s *manifests.Set) {
			unstructured.RemoveNestedField(cluster(t, s, "inventory-db").Object, "spec", "backup")
		}},
		{"backups", "prod", "credentials from another secret", func(t *testing.T, s *manifests.Set) {
			_ = unstructured.SetNestedField(cluster(t, s, "users-db").Object, "users-db-app",
				"spec", "backup", "barmanObjectStore", "s3Credentials", "accessKeyId", "name")
		}},
		{"backups", "prod", "no scheduled backup", func(t *testing.T, s *manifests.Set) {
			drop(s, "ScheduledBackup", "finance-db-nightly")
		}},
		{"synchronous-replication", "prod", "finance asynchronous", func(t *testing.T, s *manifests.Set) {
			unstructured.RemoveNestedField(cluster(t, s, "finance-db").Object, "spec", "postgresql", "synchronous")
		}},
		{"synchronous-replication", "prod", "orders writes go on unprotected", func(t *testing.T, s *manifests.Set) {
			_ = unstructured.SetNestedField(cluster(t, s, "orders-db").Object, "preferred", "spec", "postgresql", "synchronous", "dataDurability")
		}},
		{"ingress", "prod", "no ingress", func(t *testing.T, s *manifests.Set) {
			drop(s, "Ingress", "gateway")
		}},
		{"ingress", "prod", "plain HTTP", func(t *testing.T, s *manifests.Set) {
			s.Ingresses()[0].Spec.TLS = nil
		}},
		{"ingress", "prod", "nobody renews the certificate", func(t *testing.T, s *manifests.Set) {
			delete(s.Ingresses()[0].Annotations, "cert-manager.io/cluster-issuer")
		}},
		{"scraped", "prod", "services not scraped", func(t *testing.T, s *manifests.Set) {
			drop(s, "PodMonitor", "crossdock-services")
		}},
		{"scraped", "prod", "databases not scraped", func(t *testing.T, s *manifests.Set) {
			drop(s, "PodMonitor", "postgres")
		}},
		{"alerts", "prod", "an alert without a runbook", func(t *testing.T, s *manifests.Set) {
			rules := alertRules(t, s)
			unstructured.RemoveNestedField(rules[0].(map[string]any), "annotations", "runbook_url")
		}},
		{"alerts", "prod", "a runbook that does not exist", func(t *testing.T, s *manifests.Set) {
			rules := alertRules(t, s)
			_ = unstructured.SetNestedField(rules[0].(map[string]any), "https://example.invalid/Nowhere.md", "annotations", "runbook_url")
		}},
		{"alerts", "prod", "dead letters not alerted", func(t *testing.T, s *manifests.Set) {
			rules := alertRules(t, s)
			for _, r := range rules {
				if r.(map[string]any)["alert"] == "CrossdockDeadLetters" {
					r.(map[string]any)["alert"] = "Renamed"
				}
			}
		}},
		{"alerts", "prod", "a service without a dashboard", func(t *testing.T, s *manifests.Set) {
			drop(s, "ConfigMap", "grafana-dashboard-finance")
		}},
		{"partner-ingress", "prod", "no partner ingress", func(t *testing.T, s *manifests.Set) {
			drop(s, "Ingress", "platform-docking-partners")
		}},
		{"partner-ingress", "prod", "DockingService published", func(t *testing.T, s *manifests.Set) {
			paths := &partnerIngress(t, s).Spec.Rules[0].HTTP.Paths
			p := (*paths)[0]
			p.Path = "/crossdock.docking.v1.DockingService/"
			*paths = append(*paths, p)
		}},
		{"partner-ingress", "prod", "every path published", func(t *testing.T, s *manifests.Set) {
			partnerIngress(t, s).Spec.Rules[0].HTTP.Paths[0].Path = "/"
		}},
		{"partner-ingress", "prod", "a regular expression path", func(t *testing.T, s *manifests.Set) {
			partnerIngress(t, s).Spec.Rules[0].HTTP.Paths[0].PathType = ptr.To(networkingv1.PathTypeImplementationSpecific)
		}},
		{"partner-ingress", "prod", "plaintext gRPC", func(t *testing.T, s *manifests.Set) {
			partnerIngress(t, s).Spec.TLS = nil
		}},
		{"partner-ingress", "prod", "nobody renews the certificate", func(t *testing.T, s *manifests.Set) {
			delete(partnerIngress(t, s).Annotations, "cert-manager.io/cluster-issuer")
		}},
		{"partner-ingress", "prod", "HTTP/1.1 to the gRPC server", func(t *testing.T, s *manifests.Set) {
			delete(partnerIngress(t, s).Annotations, "nginx.ingress.kubernetes.io/backend-protocol")
		}},
		{"partner-ingress", "prod", "docking's admin port", func(t *testing.T, s *manifests.Set) {
			partnerIngress(t, s).Spec.Rules[0].HTTP.Paths[0].Backend.Service.Port = networkingv1.ServiceBackendPort{Number: 8080}
		}},
		{"partner-ingress", "prod", "the controller not admitted", func(t *testing.T, s *manifests.Set) {
			for _, np := range s.NetworkPolicies() {
				if np.Name == "platform-docking" {
					np.Spec.Ingress = slices.DeleteFunc(np.Spec.Ingress, func(r networkingv1.NetworkPolicyIngressRule) bool {
						return len(r.From) == 1 && r.From[0].NamespaceSelector != nil &&
							r.From[0].NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"] == "ingress-nginx"
					})
				}
			}
		}},
		{"partner-ingress", "dev", "docking published in development", func(t *testing.T, s *manifests.Set) {
			prod := load(t, "prod")
			s.Objects = append(s.Objects, manifests.Object{GVK: networkingv1.SchemeGroupVersion.WithKind("Ingress"),
				Value: partnerIngress(t, prod)})
		}},
		{"partner-tls", "prod", "plaintext partners in production", func(t *testing.T, s *manifests.Set) {
			setConfig(t, s, "platform-docking-config", "DOCKING_PARTNER_PLAINTEXT", "true")
		}},
		{"database-network-policy", "prod", "a database open to every pod", func(t *testing.T, s *manifests.Set) {
			drop(s, "NetworkPolicy", "orders-db")
			drop(s, "NetworkPolicy", "databases")
		}},
		{"database-network-policy", "dev", "another service admitted", func(t *testing.T, s *manifests.Set) {
			p := policy(t, s, "finance-db")
			p.Spec.Ingress[0].From = append(p.Spec.Ingress[0].From, networkingv1.NetworkPolicyPeer{
				PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": "orders"}},
			})
		}},
		{"database-network-policy", "prod", "every namespace admitted", func(t *testing.T, s *manifests.Set) {
			policy(t, s, "databases").Spec.Ingress[0].From[0].NamespaceSelector = &metav1.LabelSelector{}
		}},
		{"database-network-policy", "dev", "addresses admitted", func(t *testing.T, s *manifests.Set) {
			p := policy(t, s, "users-db")
			p.Spec.Ingress[1].From = []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0"}}}
		}},
		{"database-network-policy", "dev", "a policy without policyTypes opens it", func(t *testing.T, s *manifests.Set) {
			open := policy(t, s, "orders-db").DeepCopy()
			open.Name, open.Spec.PolicyTypes = "orders-db-open", nil
			open.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{}}
			s.Objects = append(s.Objects, manifests.Object{GVK: networkingv1.SchemeGroupVersion.WithKind("NetworkPolicy"), Value: open})
		}},
		{"database-network-policy", "dev", "another service admitted by port name", func(t *testing.T, s *manifests.Set) {
			p := policy(t, s, "users-db")
			p.Spec.Ingress = append(p.Spec.Ingress, networkingv1.NetworkPolicyIngressRule{
				Ports: []networkingv1.NetworkPolicyPort{{Port: ptr.To(intstr.FromString("postgresql"))}},
				From:  []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": "orders"}}}},
			})
		}},
		{"database-network-policy", "prod", "another cluster's instances admitted", func(t *testing.T, s *manifests.Set) {
			p := policy(t, s, "finance-db")
			p.Spec.Ingress[1].From = append(p.Spec.Ingress[1].From, networkingv1.NetworkPolicyPeer{
				PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"cnpg.io/cluster": "orders-db"}},
			})
		}},
		{"database-network-policy", "prod", "monitoring admitted to PostgreSQL", func(t *testing.T, s *manifests.Set) {
			policy(t, s, "databases").Spec.Ingress[0].From[0].NamespaceSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpIn, Values: []string{"cnpg-system", "monitoring"}},
			}}
		}},
		{"database-network-policy", "prod", "its own service left out", func(t *testing.T, s *manifests.Set) {
			policy(t, s, "catalog-db").Spec.Ingress[0].From[0].PodSelector.MatchLabels["app.kubernetes.io/name"] = "catalogue"
		}},
	}

	exp := expectations(t)
	covered := map[string]bool{}
	for _, tc := range cases {
		covered[tc.rule] = true
		t.Run(tc.rule+"/"+tc.overlay+"/"+tc.name, func(t *testing.T) {
			set := load(t, tc.overlay)
			r := rule(t, exp[tc.overlay], tc.rule)
			if v := r.Check(set); len(v) != 0 {
				t.Fatalf("violations before breaking anything: %v", v)
			}
			tc.breakIt(t, set)
			if len(r.Check(set)) == 0 {
				t.Error("no violation reported")
			}
		})
	}
	for _, e := range exp {
		for _, r := range manifests.Rules(e) {
			if !covered[r.Name] {
				t.Errorf("rule %q has no case here that breaks it", r.Name)
			}
		}
	}
}

// A Deployment written without any of the house settings breaks every
// container rule at once.
const bareDeployment = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: bare
  namespace: crossdock
spec:
  selector:
    matchLabels:
      app: bare
  template:
    metadata:
      labels:
        app: bare
    spec:
      containers:
        - name: web
          image: nginx
`

func TestBareDeploymentBreaksContainerRules(t *testing.T) {
	set, err := manifests.Decode([][]byte{[]byte(bareDeployment)})
	if err != nil {
		t.Fatal(err)
	}
	e := expectations(t)["prod"]
	for _, name := range []string{"probes", "resources", "non-root", "image-tag", "seccomp", "read-only-root", "no-privileges", "no-token", "network-policy", "disruption-budget", "autoscaler", "memory-limit"} {
		t.Run(name, func(t *testing.T) {
			v := rule(t, e, name).Check(set)
			if len(v) == 0 {
				t.Fatal("no violation reported")
			}
			for _, x := range v {
				if !strings.HasPrefix(x.Object, "Deployment/crossdock/bare") {
					t.Errorf("violation names %q, want the bare Deployment", x.Object)
				}
			}
		})
	}
}
