package testkit

import (
	"context"
	"testing"

	"github.com/crossdock/crossdock/pkg/service"
)

// FailingSteps runs a service's failing-steps probe and returns what it
// read by kind; a failed probe fails the test.
func FailingSteps(t testing.TB, probe service.FailingStepsProbe) map[string]service.FailingSteps {
	t.Helper()
	steps, err := probe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]service.FailingSteps, len(steps))
	for _, s := range steps {
		out[s.Kind] = s
	}
	return out
}
