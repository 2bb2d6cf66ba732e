package testkit

import (
	"context"
	"strings"
	"testing"
	"time"
)

// RequireStreamCreated starts a service's run function the way its main
// runs it, logged in to NATS as its own user, and fails the test unless the
// service creates its area's stream (e.g. "orders" → ORDERS over
// "orders.>") within 20 s: a service owns its stream, and consumers of it
// wait for it.
func RequireStreamCreated(t *testing.T, run func(context.Context) error, service string) {
	t.Helper()
	pool := Database(t, Migrations{Name: service})
	ns, passwords := SecuredJetStream(t)
	admin := strings.Replace(ns.URL(), "nats://", "nats://"+TestUser+":"+passwords[TestUser]+"@", 1)
	_, js := Connect(t, admin)
	UsersStream(t, js)
	bin := StartBinary(t, run, map[string]string{
		"DATABASE_URL": pool.Config().ConnString(), "NATS_URL": ns.URL(),
		"NATS_USER": service, "NATS_PASSWORD": passwords[service],
		"USERS_ADDR": FreeAddr(t),
	})
	defer bin.Stop()
	name, subject := strings.ToUpper(service), service+".>"
	for deadline := time.Now().Add(20 * time.Second); ; {
		stream, err := js.Stream(context.Background(), name)
		if err == nil {
			if subjects := stream.CachedInfo().Config.Subjects; len(subjects) != 1 || subjects[0] != subject {
				t.Errorf("%s captures %v, want %s", name, subjects, subject)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never created: %v", name, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
