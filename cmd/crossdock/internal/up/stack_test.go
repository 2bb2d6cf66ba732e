package up

import (
	"bytes"
	"errors"
	"io"
	"strings"
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
		// wantPauses are the announced pauses, in order: doubling, capped.
		wantPauses []string
	}{
		{name: "no restarts fail at the first crash", restarts: 0, wantStart: 1},
		{name: "restarts then fails", restarts: 3, wantStart: 4,
			wantPauses: []string{"in 10ms (1 of 3)", "in 20ms (2 of 3)", "in 25ms (3 of 3)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			st := &stack{out: &out, grace: time.Second, restart: restartPolicy{first: 10 * time.Millisecond, max: 25 * time.Millisecond}}
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
			case <-time.After(10 * time.Second):
				t.Fatal("the watcher never gave up")
			}
			if got := starts.Load(); got != tt.wantStart {
				t.Fatalf("started %d times, want %d", got, tt.wantStart)
			}
			if current.Load() == p && tt.restarts > 0 {
				t.Fatal("the restarted process did not replace the crashed one")
			}
			rest := out.String()
			for _, want := range tt.wantPauses {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Fatalf("output %q lacks %q after the pauses before it", out.String(), want)
				}
				rest = rest[i+len(want):]
			}
		})
	}
}

// A process that ran long enough before it crashed has recovered: its count of
// restarts starts over, so a service crashing now and then is not stopped for
// good once it has crashed more often than --restarts over the mesh's life.
func TestWatchStartsTheCountOverAfterAStableRun(t *testing.T) {
	// The clock: each of the first three runs lasts the stable time, the
	// fourth none (the watcher reads it once as a run starts, once as it ends).
	const stable = 10 * time.Minute
	var reads atomic.Int32
	base := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	now := func() time.Time {
		n := reads.Add(1)
		return base.Add(time.Duration(min(n, 7)) * stable)
	}
	st := &stack{out: io.Discard, grace: time.Second,
		restart: restartPolicy{first: time.Millisecond, stable: stable, now: now}}
	var starts atomic.Int32
	start := func() (*child.Process, error) {
		starts.Add(1)
		return child.Start(child.Spec{Name: "crasher", Path: "/bin/sh", Args: []string{"-c", "exit 3"}})
	}
	p, err := start()
	if err != nil {
		t.Fatal(err)
	}
	failed := make(chan error, 1)
	go st.watch("crasher", p, 1, start, func(*child.Process) {}, func(e error) { failed <- e })
	select {
	case <-failed:
	case <-time.After(20 * time.Second):
		t.Fatal("the watcher never gave up")
	}
	// Each of the three stable runs is restarted as the first restart in a
	// row; the fourth run's quick crash is the second in a row, one more than
	// allowed: four starts (two if the count never started over).
	if got := starts.Load(); got != 4 {
		t.Fatalf("started %d times, want 4", got)
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
