package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// The service owns its stream: logging in as its own NATS user, it
// creates LOGISTICS at start, which the freight estimator waits for.
func TestRunCreatesItsStream(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "logistics"})
	ns, passwords := testkit.SecuredJetStream(t)
	bin := testkit.StartBinary(t, run, map[string]string{
		"DATABASE_URL": pool.Config().ConnString(), "NATS_URL": ns.URL(),
		"NATS_USER": "logistics", "NATS_PASSWORD": passwords["logistics"],
		"USERS_ADDR": testkit.FreeAddr(t),
	})
	admin := strings.Replace(ns.URL(), "nats://", "nats://"+testkit.TestUser+":"+passwords[testkit.TestUser]+"@", 1)
	_, js := testkit.Connect(t, admin)
	ctx := context.Background()
	for deadline := time.Now().Add(20 * time.Second); ; {
		stream, err := js.Stream(ctx, "LOGISTICS")
		if err == nil {
			if subjects := stream.CachedInfo().Config.Subjects; len(subjects) != 1 || subjects[0] != "logistics.>" {
				t.Errorf("LOGISTICS captures %v, want logistics.>", subjects)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("LOGISTICS never created: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	bin.Stop()
}
