package pgcluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Options describe the cluster to run.
type Options struct {
	// Dir holds the data directory (Dir/data) and the socket directory (Dir/run).
	// An existing data directory is reused, so data survives restarts.
	Dir string
	// Port is the TCP port on 127.0.0.1; 0 picks a free one.
	Port int
	// Durable keeps fsync on. Tests turn it off: a lost test database costs nothing.
	Durable bool
	// Log receives the server's own output; nil discards it.
	Log io.Writer
}

// Cluster is a running PostgreSQL server owned by this process.
type Cluster struct {
	dir  string
	port int
	cmd  *exec.Cmd
	done chan struct{}
	err  error // set when the server exits; read after done is closed

	stopOnce sync.Once
	stopErr  error // what Stop found, for every call
}

// Start initialises the data directory if needed and starts the server, waiting
// until it accepts connections. Local socket connections are trusted (they are the
// operator's own); TCP connections need a password (scram-sha-256), as services use.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	su, err := lookupServerUser()
	if err != nil {
		return nil, err
	}
	if opts.Dir == "" {
		return nil, errors.New("pgcluster: Options.Dir is required")
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, err
	}
	dataDir, runDir := filepath.Join(opts.Dir, "data"), filepath.Join(opts.Dir, "run")
	for _, d := range []string{runDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
		if err := su.own(d); err != nil {
			return nil, err
		}
	}
	// initdb writes PG_VERSION first and the control file in its bootstrap:
	// a data directory without the control file is what an initdb cut short
	// early (a Ctrl-C on the first start) left, and is made again.
	if _, err := os.Stat(filepath.Join(dataDir, "global", "pg_control")); errors.Is(err, os.ErrNotExist) {
		if err := initdb(ctx, bin, dataDir, su); err != nil {
			return nil, err
		}
	}
	port := opts.Port
	if port == 0 {
		if port, err = freePort(); err != nil {
			return nil, err
		}
	}
	args := []string{
		"-D", dataDir, "-k", runDir, "-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "max_connections=300",
		"-c", "shared_buffers=128MB",
	}
	if !opts.Durable {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	cmd.SysProcAttr = su.sysProcAttr()
	out := opts.Log
	if out == nil {
		out = io.Discard
	}
	cmd.Stdout, cmd.Stderr = out, out
	c := &Cluster{dir: opts.Dir, port: port, cmd: cmd, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		// The kernel sends the parent-death signal when the thread that forked
		// the server ends, not the process; a Go thread ends whenever some
		// goroutine exits while locked to it. Hold the forking thread for the
		// server's whole life.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		err := cmd.Start()
		started <- err
		if err != nil {
			return
		}
		c.err = cmd.Wait()
		close(c.done)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	if err := c.waitReady(ctx); err != nil {
		_ = c.Stop()
		return nil, err
	}
	return c, nil
}

// initdb makes the data directory beside it and moves it in place only
// once complete, so an initdb cut short leaves nothing a later start takes
// for a cluster. A directory already at dataDir without a control file (an
// initdb a version before cut short, or a damaged copy) is moved aside to
// dataDir.broken-<time>, never deleted: it may hold something to recover.
func initdb(ctx context.Context, bin, dataDir string, su serverUser) error {
	making := dataDir + ".initdb"
	if err := os.RemoveAll(making); err != nil {
		return err
	}
	if err := os.MkdirAll(making, 0o700); err != nil {
		return err
	}
	if err := su.own(making); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "initdb"),
		"-D", making, "-U", "postgres", "-E", "UTF8", "--locale=C",
		"--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync")
	cmd.SysProcAttr = su.sysProcAttr()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, out.String())
	}
	if _, err := os.Stat(dataDir); err == nil {
		if err := os.Rename(dataDir, dataDir+".broken-"+time.Now().UTC().Format("20060102T150405Z")); err != nil {
			return err
		}
	}
	return os.Rename(making, dataDir)
}

func (c *Cluster) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		conn, err := pgx.Connect(ctx, c.AdminURL("postgres"))
		if err == nil {
			return conn.Close(ctx)
		}
		select {
		case <-c.done:
			return fmt.Errorf("postgres exited during start-up: %v", c.err)
		case <-ctx.Done():
			return fmt.Errorf("postgres did not accept connections: %w", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Port is the TCP port the server listens on (127.0.0.1).
func (c *Cluster) Port() int { return c.port }

// AdminURL connects as the superuser over the trusted local socket.
func (c *Cluster) AdminURL(database string) string {
	q := url.Values{"host": {filepath.Join(c.dir, "run")}, "port": {strconv.Itoa(c.port)}}
	return (&url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/" + database, RawQuery: q.Encode()}).String()
}

// URL connects as role/password over TCP, as a service does.
func (c *Cluster) URL(database, role, password string) string {
	return (&url.URL{
		Scheme: "postgres", User: url.UserPassword(role, password),
		Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)), Path: "/" + database,
		RawQuery: "sslmode=disable",
	}).String()
}

// EnsureDatabase creates (or updates the password of) a login role and a database
// it owns. It is idempotent, so `crossdock up` can run it on every start.
func (c *Cluster) EnsureDatabase(ctx context.Context, database, role, password string) error {
	conn, err := pgx.Connect(ctx, c.AdminURL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	ident := pgx.Identifier{role}.Sanitize()
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, role).Scan(&exists); err != nil {
		return err
	}
	verb := "CREATE"
	if exists {
		verb = "ALTER"
	}
	// Passwords cannot be bind parameters in utility statements; quote as a literal.
	if _, err := conn.Exec(ctx, fmt.Sprintf(`%s ROLE %s LOGIN PASSWORD %s`, verb, ident, quoteLiteral(password))); err != nil {
		return fmt.Errorf("role %s: %w", role, err)
	}
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, database).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		if _, err := conn.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %s OWNER %s`, pgx.Identifier{database}.Sanitize(), ident)); err != nil {
			return fmt.Errorf("database %s: %w", database, err)
		}
	}
	return nil
}

func quoteLiteral(s string) string {
	return "'" + string(bytes.ReplaceAll([]byte(s), []byte("'"), []byte("''"))) + "'"
}

// Stop shuts the server down (fast shutdown: clients are disconnected, data is
// flushed) and waits for it to exit.
// A server that does not exit within 30 s is killed and Stop says so: its
// next start runs crash recovery.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() {
		_ = c.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-c.done:
		case <-time.After(30 * time.Second):
			_ = c.cmd.Process.Kill()
			<-c.done
			c.stopErr = errors.New("postgres did not shut down within 30s and was killed")
		}
	})
	return c.stopErr
}

// Done is closed when the server process exits, whatever the reason.
func (c *Cluster) Done() <-chan struct{} { return c.done }

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
