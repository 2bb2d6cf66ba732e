package testkit

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// WatchStreamLookups starts listening, on nc, to the JetStream API requests
// that name stream (its info, or creating a consumer on it), and returns a
// function that waits until one has been made. A test of a consumer that
// starts before the stream it reads exists calls it to know the consumer has
// looked and not found the stream, and only then creates the stream: the
// order is observed, not guessed with a sleep. Requests made on nc are seen
// because NATS echoes a connection's own messages to its subscriptions.
func WatchStreamLookups(t testing.TB, nc *nats.Conn, stream string) (waitLookup func()) {
	t.Helper()
	sub, err := nc.SubscribeSync("$JS.API.>")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	return func() {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			msg, err := sub.NextMsg(time.Until(deadline))
			if err != nil {
				t.Fatalf("no JetStream request about stream %s: %v", stream, err)
			}
			if slices.Contains(strings.Split(msg.Subject, "."), stream) {
				return
			}
		}
	}
}
