package up

import (
	"errors"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crossdock/crossdock/cmd/crossdock/internal/child"
)

// crashing starts a shell that exits with status 3 at once, counting starts.
func crashing(starts *atomic.Int32) func() (*child.Process, error) {
	return func() (*child.Process, error) {
		starts.Add(1)
		return child.Start(child.Spec{Name: "crasher", Path: "/bin/sh", Args: []string{"-c", "exit 3"}})
	}
}

func TestWatchRestartsACrashedProcessThenFails(t *testing.T) {
	tests := []struct {
		name      string
		restarts  int
		wantStart int32
	}{
		{name: "no restarts fail at the first crash", restarts: 0, wantStart: 1},
		{name: "restarts then fails", restarts: 2, wantStart: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &stack{out: io.Discard, grace: time.Second}
			var starts atomic.Int32
			start := crashing(&starts)
			p, err := start()
			if err != nil {
				t.Fatal(err)
			}
			var current atomic.Pointer[child.Process]
			current.Store(p)
			failed := make(chan error, 1)
			go st.watch("crasher", p, tt.restarts, start, func(p *child.Process) { current.Store(p) },
				func(e error) { failed <- e })
			select {
			case err := <-failed:
				var exit *exitError
				if !errors.As(err, &exit) || exit.name != "crasher" {
					t.Fatalf("fail(%v), want the crasher's exit", err)
				}
			case <-time.After(time.Duration(tt.restarts+5) * restartPause * 2):
				t.Fatal("the watcher never gave up")
			}
			if got := starts.Load(); got != tt.wantStart {
				t.Fatalf("started %d times, want %d", got, tt.wantStart)
			}
			if current.Load() == p && tt.restarts > 0 {
				t.Fatal("the restarted process did not replace the crashed one")
			}
		})
	}
}

func TestWatchDoesNotRestartDuringStop(t *testing.T) {
	st := &stack{out: io.Discard, grace: time.Second}
	var starts atomic.Int32
	p, err := child.Start(child.Spec{Name: "sleeper", Path: "/bin/sh", Args: []string{"-c", "sleep 60; :"}})
	if err != nil {
		t.Fatal(err)
	}
	st.services = []*child.Process{p}
	done := make(chan struct{})
	go func() {
		defer close(done)
		st.watch("sleeper", p, 5, crashing(&starts), func(*child.Process) {}, func(e error) { t.Errorf("fail(%v) during stop", e) })
	}()
	if err := st.stop(); err != nil {
		t.Fatal(err)
	}
	<-done
	if n := starts.Load(); n != 0 {
		t.Fatalf("started %d times during stop, want 0", n)
	}
}
