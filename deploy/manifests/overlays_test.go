package manifests_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/crossdock/crossdock/deploy/manifests"
)

func TestOverlaysFollowHouseRules(t *testing.T) {
	for overlay, e := range expectations(t) {
		t.Run(overlay, func(t *testing.T) {
			set := load(t, overlay)
			for _, r := range manifests.Rules(e) {
				t.Run(r.Name, func(t *testing.T) {
					for _, v := range r.Check(set) {
						t.Error(v)
					}
				})
			}
		})
	}
}

// TestOverlaysDeployEveryService guards the rules themselves: a set in which
// nothing is checked would pass every rule.
func TestOverlaysDeployEveryService(t *testing.T) {
	for overlay, e := range expectations(t) {
		t.Run(overlay, func(t *testing.T) {
			set := load(t, overlay)
			if got, want := len(set.Deployments()), len(e.Services)+len(e.Simulators)+len(e.Infra); got != want {
				t.Errorf("%d Deployments, want %d", got, want)
			}
			databases := len(e.Services) - len(e.WithoutDatabase)
			if got, want := len(set.NetworkPolicies()), len(e.Services)+len(e.Simulators)+len(e.Infra)+1+databases+1; got != want {
				t.Errorf("%d NetworkPolicies, want %d (one per service, simulator and infrastructure, NATS, one per database and the databases')", got, want)
			}
			if got, want := len(set.Clusters()), len(e.Services)-len(e.WithoutDatabase); got != want {
				t.Errorf("%d PostgreSQL clusters, want %d", got, want)
			}
			if e.Production {
				if got, want := len(set.Autoscalers()), len(e.Services); got != want {
					t.Errorf("%d autoscalers, want %d", got, want)
				}
			}
		})
	}
}

// TestDevFinanceUsesThePaymentSandbox: in the dev overlay finance calls the
// sandbox's Service, and both read the API key and the webhook secret from
// the same secret keys, so the pair cannot drift.
func TestDevFinanceUsesThePaymentSandbox(t *testing.T) {
	set := load(t, "dev")
	url := configValue(set, "finance-config", "PAYMENT_PROVIDER_URL")
	if url != "http://payment-sandbox:9300" {
		t.Errorf("finance's PAYMENT_PROVIDER_URL = %q", url)
	}
	sameSecretKeys(t, set, "finance", "payment-sandbox", map[string]string{
		"PAYMENT_PROVIDER_API_KEY":        "PAYMENT_SANDBOX_API_KEY",
		"PAYMENT_PROVIDER_WEBHOOK_SECRET": "PAYMENT_SANDBOX_WEBHOOK_SECRET",
	})
}

// configValue is key's value in the config map generated as name (its name
// and a hash), empty when it has none.
func configValue(set *manifests.Set, name, key string) string {
	value := ""
	for _, cm := range set.ConfigMaps() {
		if strings.HasPrefix(cm.Name, name) {
			value = cm.Data[key]
		}
	}
	return value
}

// sameSecretKeys checks that each of client's variables reads the same
// secret key as the simulator's variable it maps to.
func sameSecretKeys(t *testing.T, set *manifests.Set, client, simulator string, vars map[string]string) {
	t.Helper()
	for clientVar, simVar := range vars {
		c, s := envVar(t, server(t, set, client), clientVar).ValueFrom, envVar(t, server(t, set, simulator), simVar).ValueFrom
		if c == nil || s == nil || c.SecretKeyRef == nil || s.SecretKeyRef == nil ||
			c.SecretKeyRef.Name != s.SecretKeyRef.Name || c.SecretKeyRef.Key != s.SecretKeyRef.Key {
			t.Errorf("%s's %s and %s's %s come from different places: %+v, %+v", client, clientVar, simulator, simVar, c, s)
		}
	}
}

// TestDevLogisticsUsesTheCarrierSimulator: in the dev overlay logistics
// seeds the simulator's Service as its carrier on the simulator's clock, and
// both read the API key and the webhook secret from the same secret keys.
func TestDevLogisticsUsesTheCarrierSimulator(t *testing.T) {
	set := load(t, "dev")
	config := map[string]map[string]string{}
	for _, cm := range set.ConfigMaps() {
		for _, name := range []string{"logistics-config", "carrier-sim-config"} {
			if strings.HasPrefix(cm.Name, name+"-") {
				config[name] = cm.Data
			}
		}
	}
	want := map[string]string{
		"LOGISTICS_SEED_CARRIER_CODE": "sim",
		"LOGISTICS_SEED_CARRIER_URL":  "http://carrier-sim:9301",
		"LOGISTICS_TIME_SCALE":        config["carrier-sim-config"]["CARRIER_SIM_TIME_SCALE"],
	}
	for k, v := range want {
		if got := config["logistics-config"][k]; got != v || v == "" {
			t.Errorf("logistics' %s = %q, want %q", k, got, v)
		}
	}
	sameSecretKeys(t, set, "logistics", "carrier-sim", map[string]string{
		"LOGISTICS_SEED_CARRIER_API_KEY":        "CARRIER_SIM_API_KEY",
		"LOGISTICS_SEED_CARRIER_WEBHOOK_SECRET": "CARRIER_SIM_WEBHOOK_SECRET",
	})
}

// TestDevDockingReachesThePartnerSimulator: in the dev overlay the partner
// simulator accepts platform-docking's calls: it knows docking's client id
// and the public half of the signing key docking reads, and it reads its own
// key from a secret.
func TestDevDockingReachesThePartnerSimulator(t *testing.T) {
	set := load(t, "dev")
	config := map[string]string{}
	for _, cm := range set.ConfigMaps() {
		if strings.HasPrefix(cm.Name, "partner-sim-config-") {
			config = cm.Data
		}
	}
	docking := server(t, set, "platform-docking")
	clientID := "crossdock" // DOCKING_CLIENT_ID's default
	for _, cm := range set.ConfigMaps() {
		if id, ok := cm.Data["DOCKING_CLIENT_ID"]; ok && strings.HasPrefix(cm.Name, "platform-docking-config-") {
			clientID = id
		}
	}
	if got := config["PARTNER_SIM_CROSSDOCK_CLIENT_ID"]; got != clientID {
		t.Errorf("PARTNER_SIM_CROSSDOCK_CLIENT_ID = %q, docking signs as %q", got, clientID)
	}
	ref := envVar(t, docking, "DOCKING_SIGNING_KEY").ValueFrom
	if ref == nil || ref.SecretKeyRef == nil {
		t.Fatal("docking's DOCKING_SIGNING_KEY is not from a secret")
	}
	var seed []byte
	for _, o := range set.Objects {
		if s, ok := o.Value.(*corev1.Secret); ok && s.Name == ref.SecretKeyRef.Name {
			seed, _ = base64.StdEncoding.DecodeString(string(s.Data[ref.SecretKeyRef.Key]))
		}
	}
	if len(seed) != ed25519.SeedSize {
		t.Fatalf("docking's signing key in %s is not a base64 seed", ref.SecretKeyRef.Name)
	}
	want := base64.StdEncoding.EncodeToString(ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey))
	if got := config["PARTNER_SIM_CROSSDOCK_KEY"]; got != want {
		t.Errorf("PARTNER_SIM_CROSSDOCK_KEY = %q, want docking's public key %q", got, want)
	}
	if key := envVar(t, server(t, set, "partner-sim"), "PARTNER_SIM_KEY").ValueFrom; key == nil || key.SecretKeyRef == nil {
		t.Error("the partner simulator's key is not from a secret")
	}
}

// TestPartnerEdge: production publishes platform-docking's PartnerService,
// and only it, through an Ingress of its own: TLS with a cert-manager
// certificate, gRPC to docking's port 9090, which docking's network policy
// admits from the ingress controller's namespace. Development publishes no
// part of docking, and reaches its simulators in plaintext, as production
// never does.
func TestPartnerEdge(t *testing.T) {
	for overlay := range expectations(t) {
		t.Run(overlay, func(t *testing.T) {
			set := load(t, overlay)
			var routed []*networkingv1.Ingress
			for _, ing := range set.Ingresses() {
				for _, r := range ing.Spec.Rules {
					for _, p := range r.HTTP.Paths {
						if p.Backend.Service.Name == "platform-docking" {
							routed = append(routed, ing)
						}
					}
				}
			}
			plaintext := ""
			for _, cm := range set.ConfigMaps() {
				if strings.HasPrefix(cm.Name, "platform-docking-config-") {
					plaintext = cm.Data["DOCKING_PARTNER_PLAINTEXT"]
				}
			}
			if overlay != "prod" {
				if len(routed) != 0 || plaintext != "true" {
					t.Errorf("%d Ingresses route to docking, DOCKING_PARTNER_PLAINTEXT=%q; want none, true", len(routed), plaintext)
				}
				return
			}
			if len(routed) != 1 || plaintext == "true" {
				t.Fatalf("%d Ingresses route to docking, DOCKING_PARTNER_PLAINTEXT=%q; want one, not true", len(routed), plaintext)
			}
			ing := routed[0]
			if ing.Annotations["nginx.ingress.kubernetes.io/backend-protocol"] != "GRPC" || ing.Annotations["cert-manager.io/cluster-issuer"] == "" {
				t.Errorf("annotations %v: want the GRPC backend protocol and a cert-manager issuer", ing.Annotations)
			}
			if len(ing.Spec.Rules) != 1 || len(ing.Spec.TLS) != 1 || ing.Spec.TLS[0].SecretName == "" ||
				!slices.Equal(ing.Spec.TLS[0].Hosts, []string{ing.Spec.Rules[0].Host}) {
				t.Fatalf("rules %v, TLS %v: want one host, served over TLS", ing.Spec.Rules, ing.Spec.TLS)
			}
			paths := ing.Spec.Rules[0].HTTP.Paths
			if len(paths) != 1 || paths[0].Path != "/crossdock.partner.v1.PartnerService/" || *paths[0].PathType != networkingv1.PathTypePrefix {
				t.Fatalf("paths %v: want only the Prefix /crossdock.partner.v1.PartnerService/", paths)
			}
			port := paths[0].Backend.Service.Port
			for _, svc := range set.Services() {
				for _, p := range svc.Spec.Ports {
					if svc.Name == "platform-docking" && p.Name == port.Name && port.Name != "" {
						port.Number = p.Port
					}
				}
			}
			if port.Number != 9090 {
				t.Errorf("backend port %+v, want platform-docking's 9090", paths[0].Backend.Service.Port)
			}
			admitted := false
			for _, np := range set.NetworkPolicies() {
				if np.Name != "platform-docking" {
					continue
				}
				for _, r := range np.Spec.Ingress {
					for _, from := range r.From {
						if from.NamespaceSelector != nil && from.PodSelector == nil &&
							from.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"] == "ingress-nginx" &&
							len(r.Ports) == 1 && r.Ports[0].Port.IntVal == 9090 {
							admitted = true
						}
					}
				}
			}
			if !admitted {
				t.Error("platform-docking's NetworkPolicy does not admit the ingress-nginx namespace to 9090")
			}
		})
	}
}

// reachesPublic443 reports whether the NetworkPolicy named policy lets its
// pods reach public addresses (none of the private ranges) on 443.
func reachesPublic443(set *manifests.Set, policy string) bool {
	for _, np := range set.NetworkPolicies() {
		if np.Name != policy {
			continue
		}
		for _, r := range np.Spec.Egress {
			for _, to := range r.To {
				if to.IPBlock != nil && to.IPBlock.CIDR == "0.0.0.0/0" && slices.Contains(to.IPBlock.Except, "10.0.0.0/8") &&
					len(r.Ports) == 1 && r.Ports[0].Port.IntVal == 443 {
					return true
				}
			}
		}
	}
	return false
}

// TestProdFinanceReachesThePaymentProvider: in production finance calls the
// payment provider's HTTPS API the installation names (the overlay's
// placeholder, which finance refuses to start on, until it does), and its
// NetworkPolicy lets it. Before, the overlay left the URL to the service's
// default (a sandbox on loopback, which no pod serves) and the policy
// dropped the provider's traffic: every top-up and payout failed as
// unavailable, while finance was ready.
func TestProdFinanceReachesThePaymentProvider(t *testing.T) {
	set := load(t, "prod")
	url := configValue(set, "finance-config", "PAYMENT_PROVIDER_URL")
	if !strings.HasPrefix(url, "https://") {
		t.Errorf("finance's PAYMENT_PROVIDER_URL = %q, want the provider's HTTPS API", url)
	}
	if !reachesPublic443(set, "finance") {
		t.Error("finance's NetworkPolicy has no egress to public addresses on 443")
	}
}

// TestLogisticsReachesCarriers: logistics calls carriers' HTTPS APIs on
// public addresses in every overlay, and production calls their production
// endpoints, not the sandbox the service defaults to.
func TestLogisticsReachesCarriers(t *testing.T) {
	for overlay, e := range expectations(t) {
		t.Run(overlay, func(t *testing.T) {
			set := load(t, overlay)
			environment := "sandbox" // LOGISTICS_CARRIER_ENVIRONMENT's default
			for _, cm := range set.ConfigMaps() {
				if v, ok := cm.Data["LOGISTICS_CARRIER_ENVIRONMENT"]; ok && strings.HasPrefix(cm.Name, "logistics-config-") {
					environment = v
				}
			}
			if want := map[bool]string{true: "production", false: "sandbox"}[e.Production]; environment != want {
				t.Errorf("LOGISTICS_CARRIER_ENVIRONMENT = %q, want %q", environment, want)
			}
			if !reachesPublic443(set, "logistics") {
				t.Error("logistics' NetworkPolicy has no egress to public addresses on 443")
			}
		})
	}
}
