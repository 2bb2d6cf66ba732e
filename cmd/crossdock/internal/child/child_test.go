package child_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/crossdock/crossdock/cmd/crossdock/internal/child"
)

// envParent turns the test binary into a parent that starts a child and dies,
// for TestParentDeathStopsTheChild.
const envParent = "CHILD_TEST_BE_PARENT"

func TestMain(m *testing.M) {
	if os.Getenv(envParent) != "" {
		p, err := child.Start(child.Spec{Name: "sleep", Path: "/bin/sleep", Args: []string{"300"}})
		if err != nil {
			fmt.Println("error", err)
			os.Exit(3)
		}
		fmt.Println(p.Pid())
		select {} // wait to be killed
	}
	os.Exit(m.Run())
}

func TestStopEndsAProcessThatHonoursSIGTERM(t *testing.T) {
	p := start(t, "sleep", "/bin/sleep", "300")
	began := time.Now()
	if err := p.Stop(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if time.Since(began) > 5*time.Second {
		t.Fatalf("stop took %s", time.Since(began))
	}
	if !p.Stopping() {
		t.Fatal("Stopping is false after Stop")
	}
	var exit *exec.ExitError
	if !errors.As(p.Err(), &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGTERM {
		t.Fatalf("exit %v, want killed by SIGTERM", p.Err())
	}
}

func TestStopKillsAProcessIgnoringSIGTERMAndItsGroup(t *testing.T) {
	var out lines
	p, err := child.Start(child.Spec{
		Name: "stubborn", Path: "/bin/sh",
		// The shell and its background sleep both ignore SIGTERM.
		Args:   []string{"-c", `trap "" TERM; sleep 300 & echo $!; wait`},
		Stdout: &out,
	})
	if err != nil {
		t.Fatal(err)
	}
	grandchild := out.waitPid(t)
	err = p.Stop(300 * time.Millisecond)
	if !errors.Is(err, child.ErrKilled) {
		t.Fatalf("Stop = %v, want ErrKilled", err)
	}
	waitGone(t, grandchild)
}

func TestStopKillsWhatTheLeaderLeftBehind(t *testing.T) {
	var out lines
	p, err := child.Start(child.Spec{
		Name: "leaver", Path: "/bin/sh",
		// The background sleep ignores SIGTERM; the shell itself does not.
		Args:   []string{"-c", `(trap "" TERM; exec sleep 300) & echo $!; wait`},
		Stdout: &out,
	})
	if err != nil {
		t.Fatal(err)
	}
	grandchild := out.waitPid(t)
	if err := p.Stop(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	waitGone(t, grandchild)
}

func TestOutputIsFlushedBeforeDone(t *testing.T) {
	var out lines
	p, err := child.Start(child.Spec{Name: "echo", Path: "/bin/sh", Args: []string{"-c", "printf 'one\\ntwo'; exit 3"}, Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	<-p.Done()
	if !out.closed() || out.String() != "one\ntwo" {
		t.Fatalf("output %q closed=%v", out.String(), out.closed())
	}
	var exit *exec.ExitError
	if !errors.As(p.Err(), &exit) || exit.ExitCode() != 3 {
		t.Fatalf("exit %v, want status 3", p.Err())
	}
	if p.Stopping() {
		t.Fatal("Stopping is true for a process that exited on its own")
	}
}

func TestStopAllStopsEveryProcess(t *testing.T) {
	procs := []*child.Process{
		start(t, "a", "/bin/sleep", "300"),
		start(t, "b", "/bin/sleep", "300"),
		start(t, "c", "/bin/sleep", "300"),
	}
	if err := child.StopAll(procs, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	for _, p := range procs {
		select {
		case <-p.Done():
		default:
			t.Fatalf("%s still running", p.Name())
		}
	}
}

func TestParentDeathStopsTheChild(t *testing.T) {
	parent := exec.Command(os.Args[0], "-test.run=^$")
	parent.Env = append(os.Environ(), envParent+"=1")
	stdout, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("parent said %q", line)
	}
	if !alive(pid) {
		t.Fatal("child not running before the parent died")
	}
	_ = parent.Process.Kill() // no chance to clean up
	_ = parent.Wait()
	waitGone(t, pid)
}

func start(t *testing.T, name, path string, args ...string) *child.Process {
	t.Helper()
	p, err := child.Start(child.Spec{Name: name, Path: path, Args: args})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop(time.Second) })
	return p
}

// alive reports whether pid runs; a zombie (exited, not yet reaped by an init
// that may never reap it) counts as gone.
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name.
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("process %d outlived its group", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// lines collects a child's output.
type lines struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	isDone bool
}

func (l *lines) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(b)
}

func (l *lines) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.isDone = true
	return nil
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *lines) closed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.isDone
}

// waitPid waits for the first output line and reads it as a process id.
func (l *lines) waitPid(t *testing.T) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if first, _, ok := strings.Cut(l.String(), "\n"); ok {
			pid, err := strconv.Atoi(first)
			if err != nil {
				t.Fatalf("first line %q", first)
			}
			return pid
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("no pid printed")
	return 0
}
