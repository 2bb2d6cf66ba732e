package e2e

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// readyLine is what `crossdock up` prints once every service is healthy.
const readyLine = "crossdock is up"

// upRun is one `crossdock up` process.
type upRun struct {
	t      testing.TB
	cmd    *exec.Cmd
	mu     sync.Mutex
	lines  []string
	ready  chan struct{}
	exited chan struct{}
	err    error // valid once exited is closed
}

// startUp runs `crossdock up --dir dir --port-offset offset args...` from the
// repository root. The process is interrupted (and, failing that, killed) when
// the test ends.
func startUp(t *testing.T, dir string, offset int, args ...string) *upRun {
	t.Helper()
	u, err := launch(dir, offset, nil, args...)
	if err != nil {
		t.Fatal(err)
	}
	u.t = t
	t.Cleanup(u.stopDetached)
	return u
}

// startDetached is startUp for a mesh that outlives one test (stopped with
// stopDetached); env adds variables for every process of the mesh, args
// flags for crossdock up.
func startDetached(dir string, offset int, env, args []string) *upRun {
	u, err := launch(dir, offset, env, args...)
	if err != nil {
		u = &upRun{ready: make(chan struct{}), exited: make(chan struct{}), err: err}
		close(u.exited)
	}
	return u
}

func launch(dir string, offset int, env []string, args ...string) (*upRun, error) {
	argv := append([]string{"up", "--dir", dir, "--port-offset", strconv.Itoa(offset)}, args...)
	cmd := exec.Command(crossdockBin, argv...)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), env...)
	// If the test binary dies, crossdock still stops its mesh.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	u := &upRun{cmd: cmd, ready: make(chan struct{}), exited: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go u.read(pr)
	go func() {
		u.err = cmd.Wait()
		pw.Close()
		close(u.exited)
	}()
	return u, nil
}

// stopDetached interrupts the mesh (killing it if it does not stop) and waits.
func (u *upRun) stopDetached() {
	select {
	case <-u.exited:
		return
	default:
	}
	_ = u.cmd.Process.Signal(os.Interrupt)
	select {
	case <-u.exited:
	case <-time.After(90 * time.Second):
		_ = u.cmd.Process.Kill()
		<-u.exited
	}
}

func (u *upRun) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	seen := false
	for sc.Scan() {
		line := sc.Text()
		if testing.Verbose() {
			fmt.Println(line)
		}
		u.mu.Lock()
		u.lines = append(u.lines, line)
		u.mu.Unlock()
		if !seen && line == readyLine {
			seen = true
			close(u.ready)
		}
	}
	_, _ = io.Copy(io.Discard, r)
}

// output returns the last n lines printed, for failure messages.
// restarts counts the times crossdock up said it restarted the named
// process after a crash: a crash test compares the count after its kills
// with the count before them (other tests kill the same services).
func (u *upRun) restarts(name string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	n := 0
	for _, line := range u.lines {
		if strings.Contains(line, name) && strings.Contains(line, "restarting it") {
			n++
		}
	}
	return n
}

func (u *upRun) output(n int) string {
	u.mu.Lock()
	defer u.mu.Unlock()
	from := max(0, len(u.lines)-n)
	return strings.Join(u.lines[from:], "\n")
}

// waitReady waits for the ready line; the test fails if crossdock exits or
// the timeout passes first.
func (u *upRun) waitReady(timeout time.Duration) {
	u.t.Helper()
	select {
	case <-u.ready:
	case <-u.exited:
		u.t.Fatalf("crossdock up exited before it was up (%v); last output:\n%s", u.err, u.output(80))
	case <-time.After(timeout):
		u.t.Fatalf("crossdock up not up after %s; last output:\n%s", timeout, u.output(80))
	}
}

// waitExit waits for crossdock to exit and returns its exit status.
func (u *upRun) waitExit(timeout time.Duration) int {
	u.t.Helper()
	select {
	case <-u.exited:
	case <-time.After(timeout):
		u.t.Fatalf("crossdock up still running after %s; last output:\n%s", timeout, u.output(80))
	}
	var ee *exec.ExitError
	switch {
	case u.err == nil:
		return 0
	case errors.As(u.err, &ee):
		return ee.ExitCode()
	default:
		u.t.Fatal(u.err)
		return -1
	}
}

// interrupt sends SIGINT, as Ctrl-C does, and requires a clean exit.
func (u *upRun) interrupt() {
	u.t.Helper()
	if err := u.cmd.Process.Signal(os.Interrupt); err != nil {
		u.t.Fatal(err)
	}
	// Each stage may use its 20 s grace period; a clean stop is much faster.
	if code := u.waitExit(90 * time.Second); code != 0 {
		u.t.Fatalf("crossdock up exited with status %d after SIGINT; last output:\n%s", code, u.output(80))
	}
}

// mesh ports before the offset: the contract `crossdock up` documents.
var backends = []struct {
	name string
	grpc int
}{
	{"users", 9101}, {"catalog", 9102}, {"inventory", 9103}, {"orders", 9104},
	{"logistics", 9105}, {"finance", 9106}, {"freight-estimator", 9107}, {"platform-docking", 9108},
}

const (
	gatewayHTTPPort  = 8080
	gatewayAdminPort = 9209
	postgresPort     = 5433
	// paymentSandboxPort is the payment provider's sandbox (simulators/).
	paymentSandboxPort = 9300
	// carrierSimPort is the carrier simulator's API (simulators/).
	carrierSimPort = 9301
)

// meshPorts lists every port a mesh at offset listens on.
func meshPorts(offset int) []int {
	ports := []int{4222, 8222, postgresPort, gatewayHTTPPort, gatewayAdminPort, paymentSandboxPort, carrierSimPort, partnerSimPort,
		supplySimPort, supplyAdminPort}
	for _, b := range backends {
		ports = append(ports, b.grpc, b.grpc+100)
	}
	for i := range ports {
		ports[i] += offset
	}
	return ports
}

// freeOffset picks a port offset whose ports are all free, so a test run does
// not collide with a developer's mesh or with another test run.
func freeOffset(t testing.TB) int {
	t.Helper()
	return freeOffsetFrom(t, 300)
}

// freeOffsetFrom is the first port offset from start (by 20s) whose mesh
// ports are all free.
func freeOffsetFrom(t testing.TB, start int) int {
	t.Helper()
	for offset := start; offset < 2000; offset += 20 {
		free := true
		for _, p := range meshPorts(offset) {
			ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
			if err != nil {
				free = false
				break
			}
			ln.Close()
		}
		if free {
			return offset
		}
	}
	t.Fatalf("no free port offset between %d and 2000", start)
	return 0
}

func addr(port, offset int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port+offset)) }
