package natsauth_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/crossdock/crossdock/pkg/inbox"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/natsx/natsauth"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// client is one user's connection, with the server's asynchronous errors
// (permission violations) collected.
type client struct {
	nc     *nats.Conn
	js     jetstream.JetStream
	errors chan error
}

func connect(t *testing.T, n *testkit.NATS, passwords map[string]string, user string) client {
	t.Helper()
	c := client{errors: make(chan error, 16)}
	var err error
	c.nc, c.js, err = natsx.Connect(context.Background(), n.URL(), user, testkit.Logger(t),
		nats.UserInfo(user, passwords[user]),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			select {
			case c.errors <- err:
			default:
			}
		}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.nc.Close)
	if err := c.nc.FlushTimeout(5 * time.Second); err != nil {
		t.Fatalf("%s cannot connect: %v", user, err)
	}
	return c
}

// refused waits for the server to report a permissions violation.
func (c client) refused(t *testing.T, what string) {
	t.Helper()
	select {
	case err := <-c.errors:
		if !errors.Is(err, nats.ErrPermissionViolation) && !strings.Contains(err.Error(), "Permissions Violation") {
			t.Fatalf("%s: error %v, want a permissions violation", what, err)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: not refused", what)
	}
}

// Each service's own user runs its part of the event flow with the kit's
// real relay and inbox (own stream, own events, its consumers on others'
// streams, dead letters), and every consumer line of the table works.
func TestServicesPublishTheirOwnAndConsumeTheirConsumers(t *testing.T) {
	n, passwords := testkit.SecuredJetStream(t)

	for _, a := range natsx.Accesses {
		for _, c := range a.Consumes {
			t.Run(a.User+" consumes "+c.Stream, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				defer cancel()
				owner := ownerOf(t, c.Stream)
				// The owner creates its stream and publishes through its outbox.
				pub := connect(t, n, passwords, owner.User)
				if _, err := natsx.EnsureStream(ctx, pub.js, natsx.AreaStream(owner.Area)); err != nil {
					t.Fatalf("%s cannot create its own stream: %v", owner.User, err)
				}
				outboxDB := testkit.Database(t, testkit.Migrations{Name: "natsauth-outbox"})
				relay := &outbox.Relay{Pool: outboxDB, JS: pub.js, Log: testkit.Logger(t)}
				good, poison := event(t, owner.Area+".thing.happened", "good"), event(t, owner.Area+".thing.happened", "poison")
				if err := pgx.BeginFunc(ctx, outboxDB, func(tx pgx.Tx) error { return outbox.Add(ctx, tx, good, poison) }); err != nil {
					t.Fatal(err)
				}
				if published, err := relay.PublishPending(ctx); err != nil || published != 2 {
					t.Fatalf("%s publishing its own events: %d, %v", owner.User, published, err)
				}

				// The consumer applies the good one and dead-letters the poison.
				sub := connect(t, n, passwords, a.User)
				inboxDB := testkit.Database(t, testkit.Migrations{Name: "natsauth-inbox"})
				var fixed atomic.Bool
				consumer := &inbox.Consumer{
					Name: c.Consumer, Stream: c.Stream, Subjects: []string{owner.Area + ".>"},
					Pool: inboxDB, JS: sub.js, Log: testkit.Logger(t),
					Handler: func(_ context.Context, _ pgx.Tx, m inbox.Message) error {
						if m.EventID == poison.ID && !fixed.Load() {
							return inbox.Permanent(errors.New("poison"))
						}
						return nil
					},
				}
				runCtx, stop := context.WithCancel(ctx)
				done := make(chan error, 1)
				go func() { done <- consumer.Run(runCtx) }()
				defer func() { stop(); <-done }()

				admin := connect(t, n, passwords, testkit.TestUser)
				for {
					// Another line's test may have published on the same
					// stream first: only this test's good event counts.
					var applied int
					if err := inboxDB.QueryRow(ctx, `SELECT count(*) FROM inbox WHERE consumer = $1 AND event_id = ANY($2)`,
						c.Consumer, []uuid.UUID{good.ID, poison.ID}).Scan(&applied); err != nil {
						t.Fatal(err)
					}
					letters, _ := inbox.ListDeadLetters(ctx, admin.js, c.Consumer)
					if applied == 1 && len(letters) == 1 {
						break
					}
					select {
					case err := <-sub.errors:
						t.Fatalf("%s refused: %v", a.User, err)
					case err := <-done:
						t.Fatalf("consumer stopped: %v", err)
					case <-ctx.Done():
						t.Fatalf("applied %d, dead letters %d; want 1 and 1", applied, len(letters))
					case <-time.After(50 * time.Millisecond):
					}
				}

				// The consuming service, as its own user, counts, lists and
				// replays its dead letter (the operator's DeadLetterService).
				counts, err := inbox.CountDeadLetters(ctx, sub.js, []string{c.Consumer})
				if err != nil || counts[c.Consumer] != 1 {
					t.Fatalf("%s counting its dead letters: %v, %v", a.User, counts, err)
				}
				letters, err := inbox.ListDeadLetters(ctx, sub.js, c.Consumer)
				if err != nil || len(letters) != 1 {
					t.Fatalf("%s listing its dead letters: %v, %v", a.User, letters, err)
				}
				fixed.Store(true)
				if applied, err := consumer.Replay(ctx, letters[0].Seq); err != nil || !applied {
					t.Fatalf("%s replaying its dead letter: %v, %v", a.User, applied, err)
				}
			})
		}
	}
}

// What a service's user is refused: another area's subjects, streams and
// consumers, and listening to events directly.
func TestServicesAreRefusedOthersSubjects(t *testing.T) {
	n, passwords := testkit.SecuredJetStream(t)
	ctx := context.Background()
	admin := connect(t, n, passwords, testkit.TestUser)
	for _, area := range []string{"users", "catalog", "logistics"} {
		if _, err := natsx.EnsureStream(ctx, admin.js, natsx.AreaStream(area)); err != nil {
			t.Fatal(err)
		}
	}
	short := func(t *testing.T) context.Context {
		c, cancel := context.WithTimeout(ctx, 2*time.Second)
		t.Cleanup(cancel)
		return c
	}

	tests := []struct {
		name, user string
		try        func(t *testing.T, c client) error
	}{
		{"catalog publishing a users event", "catalog", func(t *testing.T, c client) error {
			return c.nc.Publish("users.merchant.tier_changed", []byte("forged"))
		}},
		{"catalog publishing a users event through JetStream", "catalog", func(t *testing.T, c client) error {
			_, err := c.js.Publish(short(t), "users.merchant.tier_changed", []byte("forged"))
			return err
		}},
		{"catalog creating the USERS stream", "catalog", func(t *testing.T, c client) error {
			_, err := natsx.EnsureStream(short(t), c.js, natsx.AreaStream("users"))
			return err
		}},
		{"inventory consuming USERS", "inventory", func(t *testing.T, c client) error {
			_, err := c.js.CreateOrUpdateConsumer(short(t), "USERS", jetstream.ConsumerConfig{Durable: "catalog-merchant-tiers"})
			return err
		}},
		{"inventory consuming CATALOG under another durable", "inventory", func(t *testing.T, c client) error {
			_, err := c.js.CreateOrUpdateConsumer(short(t), "CATALOG", jetstream.ConsumerConfig{Durable: "spy"})
			return err
		}},
		{"freight-estimator listening to logistics events directly", "freight-estimator", func(t *testing.T, c client) error {
			_, err := c.nc.SubscribeSync("logistics.>")
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := connect(t, n, passwords, tt.user)
			_ = tt.try(t, c) // a JetStream call just times out; the server says why
			c.refused(t, tt.name)
		})
	}
	// A consumer's own durable is created either way the client asks: with
	// one filter subject (in the API subject) or several.
	for _, c := range []struct {
		user, stream string
		config       jetstream.ConsumerConfig
	}{
		{"inventory", "CATALOG", jetstream.ConsumerConfig{Durable: "inventory-catalog",
			FilterSubjects: []string{"catalog.sku.created", "catalog.product.deleted"}}},
		{"freight-estimator", "LOGISTICS", jetstream.ConsumerConfig{Durable: "freight-shipment-history",
			FilterSubject: "logistics.shipment.completed"}},
	} {
		cl := connect(t, n, passwords, c.user)
		if _, err := cl.js.CreateOrUpdateConsumer(short(t), c.stream, c.config); err != nil {
			t.Errorf("%s creating its consumer %s: %v", c.user, c.config.Durable, err)
		}
	}
	// Nothing forged reached the stream.
	stream, err := admin.js.Stream(ctx, "USERS")
	if err != nil {
		t.Fatal(err)
	}
	if info, err := stream.Info(ctx); err != nil || info.State.Msgs != 0 {
		t.Errorf("USERS holds %d messages (%v), want none", info.State.Msgs, err)
	}
}

func ownerOf(t *testing.T, stream string) natsx.Access {
	t.Helper()
	for _, a := range natsx.Accesses {
		if natsx.AreaStream(a.Area).Name == stream {
			return a
		}
	}
	t.Fatalf("no service owns %s", stream)
	return natsx.Access{}
}

func event(t *testing.T, subject, text string) outbox.Event {
	t.Helper()
	ev, err := outbox.New(subject, wrapperspb.String(text))
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// The configuration the deployment's servers run (natsx.AuthorizationConfig)
// parses, with the passwords from the environment, into exactly the users
// the embedded servers get.
func TestAuthorizationConfigIsTheTable(t *testing.T) {
	passwords := map[string]string{}
	for _, a := range natsx.Accesses {
		passwords[a.User] = "pw-" + a.User
		t.Setenv(natsx.PasswordVar(a.User), passwords[a.User])
	}
	path := filepath.Join(t.TempDir(), "nats.conf")
	if err := os.WriteFile(path, []byte(natsx.AuthorizationConfig()), 0o600); err != nil {
		t.Fatal(err)
	}
	opts, err := server.ProcessConfigFile(path)
	if err != nil {
		t.Fatalf("the configuration does not parse: %v\n%s", err, natsx.AuthorizationConfig())
	}
	want, err := natsauth.Users(passwords)
	if err != nil {
		t.Fatal(err)
	}
	if len(opts.Users) != len(want) {
		t.Fatalf("%d users, want %d", len(opts.Users), len(want))
	}
	for i, u := range opts.Users {
		w := want[i]
		if u.Username != w.Username || u.Password != w.Password ||
			!slices.Equal(u.Permissions.Publish.Allow, w.Permissions.Publish.Allow) ||
			!slices.Equal(u.Permissions.Subscribe.Allow, w.Permissions.Subscribe.Allow) {
			t.Errorf("user %d = %+v %+v, want %+v %+v", i, u, u.Permissions, w, w.Permissions)
		}
	}
}

// A server given hashed passwords admits the service with its password and
// refuses a wrong one.
func TestHashedPasswordsAdmitTheService(t *testing.T) {
	users, err := natsauth.Users(map[string]string{"users": "u", "catalog": "c", "inventory": "i", "orders": "o-secret",
		"logistics": "l", "finance": "f", "freight-estimator": "fe", "platform-docking": "pd", "gateway": "g"})
	if err != nil {
		t.Fatal(err)
	}
	if err := natsauth.Hash(users); err != nil {
		t.Fatal(err)
	}
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, NoSigs: true, NoLog: true, Users: users})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	defer ns.Shutdown()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats did not start")
	}
	for _, tt := range []struct {
		password string
		admitted bool
	}{{"o-secret", true}, {"o-wrong", false}} {
		nc, err := nats.Connect(ns.ClientURL(), nats.UserInfo("orders", tt.password))
		if admitted := err == nil; admitted != tt.admitted {
			t.Errorf("password %q: admitted %v (%v), want %v", tt.password, admitted, err, tt.admitted)
		}
		if nc != nil {
			nc.Close()
		}
	}
}
