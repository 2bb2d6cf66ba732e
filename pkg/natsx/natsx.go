// Package natsx connects to NATS JetStream the way every service does: one named
// connection that reconnects forever, streams ensured at start with the duplicate
// window on, and trace context carried in message headers.
package natsx

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
)

// Header names every Crossdock event carries besides the trace context.
const (
	// HeaderMsgID is JetStream's de-duplication header; the outbox sets it to the
	// event id.
	HeaderMsgID = "Nats-Msg-Id"
	// HeaderEventID identifies the event, also across a replay from dead letters.
	HeaderEventID = "Crossdock-Event-Id"
	// HeaderEventType is the protobuf full name of the payload.
	HeaderEventType = "Crossdock-Event-Type"
)

// Config is the NATS part of a service's configuration.
type Config struct {
	URL string `env:"NATS_URL" envDefault:"nats://127.0.0.1:4222"`
	// User and Password are the service's own NATS login, whose permissions
	// the server takes from Accesses; empty for a server without
	// authorization (tests).
	User     string `env:"NATS_USER"`
	Password string `env:"NATS_PASSWORD" secret:"true"`
}

// Options are the connection options the configuration asks for: the login,
// when one is set.
func (c Config) Options() []nats.Option {
	if c.User == "" {
		return nil
	}
	return []nats.Option{nats.UserInfo(c.User, c.Password)}
}

// Connect dials NATS and returns the connection and its JetStream handle. The
// connection retries the first connect and reconnects without limit: a broker
// restart delays events, it does not take the service down. opts add to the
// defaults (Config.Options gives the login).
func Connect(ctx context.Context, url, name string, log *slog.Logger, opts ...nats.Option) (*nats.Conn, jetstream.JetStream, error) {
	nc, err := nats.Connect(url, append([]nats.Option{
		nats.Name(name),
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("nats disconnected", "error", err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) { log.Info("nats reconnected", "url", c.ConnectedUrlRedacted()) }),
		// A refused publish or subscription (a permissions violation) is
		// reported asynchronously; without this it would pass unnoticed.
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			subject := ""
			if sub != nil {
				subject = sub.Subject
			}
			log.Error("nats error", "subject", subject, "error", err)
		}),
	}, opts...)...)
	if err != nil {
		return nil, nil, fmt.Errorf("nats connect: %w", err)
	}
	// An asynchronous publish the server never answers (one it drops
	// without a reply) fails after publishAckTimeout instead of staying
	// pending for good: the client caps what may be pending, and a pile of
	// unanswered publishes would stall every later one.
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncTimeout(publishAckTimeout))
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return nc, js, nil
}

// publishAckTimeout is how long an asynchronous publish waits for its
// acknowledgement before it fails.
const publishAckTimeout = 30 * time.Second

// DuplicateWindow is how long JetStream remembers a Nats-Msg-Id and drops a
// second publish of it. The inbox covers duplicates older than this.
const DuplicateWindow = 2 * time.Minute

// StreamSpec names one stream and the subjects it captures.
type StreamSpec struct {
	Name     string
	Subjects []string
	// Replicas is 1 locally and 3 in production.
	Replicas int
	// MaxAge bounds retention; zero keeps messages until limits are hit.
	MaxAge time.Duration
	// MaxBytes bounds the stream's size on each server that holds a replica;
	// zero leaves it unbounded. The oldest messages go first when it is
	// reached, so a stream can never fill the servers' volumes.
	MaxBytes int64
}

// EnsureStream creates the stream or updates it to the spec, with file storage
// and the duplicate window on.
func EnsureStream(ctx context.Context, js jetstream.JetStream, spec StreamSpec) (jetstream.Stream, error) {
	replicas := spec.Replicas
	if replicas == 0 {
		replicas = 1
	}
	s, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:       spec.Name,
		Subjects:   spec.Subjects,
		Storage:    jetstream.FileStorage,
		Retention:  jetstream.LimitsPolicy,
		Replicas:   replicas,
		MaxAge:     spec.MaxAge,
		MaxBytes:   maxBytes(spec.MaxBytes),
		Discard:    jetstream.DiscardOld,
		Duplicates: DuplicateWindow,
	})
	if err != nil {
		return nil, fmt.Errorf("ensure stream %s: %w", spec.Name, err)
	}
	return s, nil
}

// maxBytes is JetStream's value for a size limit: -1 for none.
func maxBytes(n int64) int64 {
	if n <= 0 {
		return -1
	}
	return n
}

// DeadLetterStream holds the messages consumers gave up on, one subject per
// consumer: deadletter.<consumer>. Its replicas and limits come from the
// service's settings (StreamSettings.DeadLetters); every consumer of the mesh
// ensures it with the same settings.
var DeadLetterStream = StreamSpec{Name: "DEADLETTER", Subjects: []string{"deadletter.>"}}

// InjectTrace writes the context's trace context into NATS headers.
func InjectTrace(ctx context.Context, h nats.Header) {
	otel.GetTextMapPropagator().Inject(ctx, propagation.HeaderCarrier(http.Header(h)))
}

// ExtractTrace returns ctx carrying the trace context found in NATS headers.
func ExtractTrace(ctx context.Context, h nats.Header) context.Context {
	return otel.GetTextMapPropagator().Extract(ctx, propagation.HeaderCarrier(http.Header(h)))
}

// ConnectedOnce is a readiness check that passes once nc has been
// connected, and stays passed: a broker outage after that delays events
// (the outbox keeps them, and its backlog's age alerts), it does not make
// every replica of every service unready, which would take their reads and
// the commands that need only PostgreSQL down with it.
func ConnectedOnce(nc *nats.Conn) func(context.Context) error {
	var was atomic.Bool
	return func(context.Context) error {
		if was.Load() {
			return nil
		}
		if !nc.IsConnected() {
			return errors.New("nats not connected yet")
		}
		was.Store(true)
		return nil
	}
}

// AreaStream is the stream an area owns: its name upper-cased, over "<area>.>"
// (ORDERS over orders.>). Subjects are <area>.<aggregate>.<event>.
func AreaStream(area string) StreamSpec {
	return StreamSpec{Name: strings.ToUpper(area), Subjects: []string{area + ".>"}}
}
