package natsx_test

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/testkit"
)

// A replica is not ready before its broker connection is up, and stays
// ready once it was: a broker outage later delays events, it does not take
// every replica out of its Service. Before, the check failed for as long
// as the connection was down.
func TestReadyOnceConnected(t *testing.T) {
	srv, nc, _ := testkit.JetStream(t)
	never, err := nats.Connect("nats://127.0.0.1:1", nats.RetryOnFailedConnect(true), nats.MaxReconnects(-1), nats.ReconnectWait(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	defer never.Close()
	if err := natsx.ConnectedOnce(never)(t.Context()); err == nil {
		t.Error("ready without ever reaching the broker")
	}
	ready := natsx.ConnectedOnce(nc)
	if err := ready(t.Context()); err != nil {
		t.Fatalf("connected: %v", err)
	}
	srv.Stop()
	for deadline := time.Now().Add(5 * time.Second); nc.IsConnected() && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
	}
	if nc.IsConnected() {
		t.Fatal("the connection outlived its broker")
	}
	if err := ready(t.Context()); err != nil {
		t.Errorf("unready while the broker is away: %v", err)
	}
}
