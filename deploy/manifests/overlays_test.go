package manifests_test

import (
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
			if got, want := len(set.Deployments()), len(e.Services); got != want {
				t.Errorf("%d Deployments, want %d", got, want)
			}
			if got, want := len(set.NetworkPolicies()), len(e.Services)+1; got != want {
				t.Errorf("%d NetworkPolicies, want %d (one per service and NATS)", got, want)
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
