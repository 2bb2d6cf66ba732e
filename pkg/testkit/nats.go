package testkit

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/natsx/natsauth"
)

// NATS is an embedded NATS server with JetStream for one test.
type NATS struct {
	Server   *server.Server
	StoreDir string
	Port     int
}

// StartNATS starts an embedded JetStream server storing under storeDir on port
// (server.RANDOM_PORT for any); it is shut down when the test ends. Starting a new
// one on the same storeDir and port is how tests restart the broker.
func StartNATS(t testing.TB, storeDir string, port int) *NATS {
	t.Helper()
	return startServer(t, &server.Options{Port: port, StoreDir: storeDir})
}

// startServer starts an embedded JetStream server on loopback with opts (the
// host, JetStream, signals and logging are set here) and shuts it down when
// the test ends.
func startServer(t testing.TB, opts *server.Options) *NATS {
	t.Helper()
	opts.Host, opts.JetStream, opts.NoSigs, opts.NoLog = "127.0.0.1", true, true, true
	ns, err := server.NewServer(opts)
	if err != nil {
		t.Fatalf("testkit: nats: %v", err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("testkit: nats did not start")
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	return &NATS{Server: ns, StoreDir: opts.StoreDir, Port: ns.Addr().(*net.TCPAddr).Port}
}

// URL is the client URL of the server.
func (n *NATS) URL() string { return n.Server.ClientURL() }

// Stop shuts the server down and waits for it.
func (n *NATS) Stop() { n.Server.Shutdown(); n.Server.WaitForShutdown() }

// JetStream starts a fresh embedded server for the test and returns a client
// connection to it, closed when the test ends.
func JetStream(t testing.TB) (*NATS, *nats.Conn, jetstream.JetStream) {
	t.Helper()
	n := StartNATS(t, t.TempDir(), server.RANDOM_PORT)
	nc, js := Connect(t, n.URL())
	return n, nc, js
}

// UsersStream creates the users service's stream, as the users service
// does at its start: a service started in a test reads the session
// revocations on it before it reports SERVING (auth.Revocations), and
// without it waits auth.CatchUpBound first.
func UsersStream(t testing.TB, js jetstream.JetStream) {
	t.Helper()
	if _, err := natsx.EnsureStream(context.Background(), js, natsx.AreaStream("users")); err != nil {
		t.Fatal(err)
	}
}

// Connect opens a client connection (reconnecting forever) closed when the test ends.
func Connect(t testing.TB, url string) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, js, err := natsx.Connect(context.Background(), url, t.Name(), Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc, js
}

// Logger writes to stderr when -v is set and discards otherwise. (Not t.Log:
// background goroutines may still log just after the test returns.)
func Logger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("test", t.Name())
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// TestUser is the one unrestricted user of SecuredJetStream, for a test's
// own set-up and assertions; its password is its name.
const TestUser = "test"

// SecuredJetStream starts an embedded JetStream server that admits only the
// mesh's service users (natsx.Accesses, with the permissions natsauth gives
// them) and TestUser. It returns the server and each user's password.
func SecuredJetStream(t testing.TB) (*NATS, map[string]string) {
	t.Helper()
	passwords := map[string]string{}
	for _, a := range natsx.Accesses {
		passwords[a.User] = rand.Text()
	}
	users, err := natsauth.Users(passwords)
	if err != nil {
		t.Fatal(err)
	}
	users = append(users, &server.User{Username: TestUser, Password: TestUser})
	passwords[TestUser] = TestUser
	return startServer(t, &server.Options{Port: server.RANDOM_PORT, StoreDir: t.TempDir(), Users: users}), passwords
}
