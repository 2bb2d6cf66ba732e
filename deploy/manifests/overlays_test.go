package manifests_test

import (
	"strings"
	"testing"

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
			if got, want := len(set.NetworkPolicies()), len(e.Services)+len(e.Simulators)+len(e.Infra)+1; got != want {
				t.Errorf("%d NetworkPolicies, want %d (one per service, simulator and infrastructure, and NATS)", got, want)
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
	finance, sandbox := server(t, set, "finance"), server(t, set, "payment-sandbox")
	url := ""
	for _, cm := range set.ConfigMaps() {
		if strings.HasPrefix(cm.Name, "finance-config") {
			url = cm.Data["PAYMENT_PROVIDER_URL"]
		}
	}
	if url != "http://payment-sandbox:9300" {
		t.Errorf("finance's PAYMENT_PROVIDER_URL = %q", url)
	}
	for financeVar, sandboxVar := range map[string]string{
		"PAYMENT_PROVIDER_API_KEY":        "PAYMENT_SANDBOX_API_KEY",
		"PAYMENT_PROVIDER_WEBHOOK_SECRET": "PAYMENT_SANDBOX_WEBHOOK_SECRET",
	} {
		f, s := envVar(t, finance, financeVar).ValueFrom, envVar(t, sandbox, sandboxVar).ValueFrom
		if f == nil || s == nil || f.SecretKeyRef == nil || s.SecretKeyRef == nil ||
			f.SecretKeyRef.Name != s.SecretKeyRef.Name || f.SecretKeyRef.Key != s.SecretKeyRef.Key {
			t.Errorf("finance's %s and the sandbox's %s come from different places: %+v, %+v", financeVar, sandboxVar, f, s)
		}
	}
}
