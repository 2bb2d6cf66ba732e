// Package child runs the mesh's processes so that none can outlive the mesh:
// each child leads a process group of its own (so a terminal's Ctrl-C reaches
// only the parent, which then stops the children in order) and is sent SIGTERM
// by the kernel if the parent dies without stopping it.
package child

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Spec describes a process to start.
type Spec struct {
	Name   string // for messages
	Path   string
	Args   []string
	Env    []string
	Dir    string
	Stdout io.WriteCloser // closed after the process exits (flushing a last partial line)
	Stderr io.WriteCloser
}

// Process is a started child.
type Process struct {
	name     string
	cmd      *exec.Cmd
	exited   chan struct{} // the leader has exited and was reaped
	done     chan struct{} // ... and its output is flushed
	err      error         // valid once exited is closed
	stopping atomic.Bool
	stopOnce sync.Once
	stopErr  error // what Stop found, for every call
}

// outputGrace bounds how long output is drained after the process exited; only
// a grandchild that escaped its group could hold the pipe open longer.
const outputGrace = 5 * time.Second

// Start starts the process in a new process group with a parent-death signal.
func Start(spec Spec) (*Process, error) {
	cmd := exec.Command(spec.Path, spec.Args...)
	cmd.Env = spec.Env
	cmd.Dir = spec.Dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}

	// Our own pipes rather than exec's copying: Wait then returns as soon as
	// the process exits, and the group can be cleared before output drains.
	var readers []*os.File
	var writers []io.WriteCloser
	var childEnds []*os.File
	for _, o := range []struct {
		dst io.WriteCloser
		set func(*os.File)
	}{
		{spec.Stdout, func(f *os.File) { cmd.Stdout = f }},
		{spec.Stderr, func(f *os.File) { cmd.Stderr = f }},
	} {
		if o.dst == nil {
			continue
		}
		r, w, err := os.Pipe()
		if err != nil {
			closeAll(readers)
			closeAll(childEnds)
			return nil, err
		}
		o.set(w)
		readers, writers, childEnds = append(readers, r), append(writers, o.dst), append(childEnds, w)
	}
	p := &Process{name: spec.Name, cmd: cmd, exited: make(chan struct{}), done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		// The kernel sends the parent-death signal when the *thread* that
		// forked the child ends, not the process. The Go runtime ends a thread
		// whenever a goroutine exits while locked to it, in any library, so
		// the child is started from a thread held for its whole life.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		err := cmd.Start()
		closeAll(childEnds)
		started <- err
		if err != nil {
			closeAll(readers)
			return
		}
		p.supervise(readers, writers)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	return p, nil
}

// supervise copies the output, waits for the process, clears its group and
// closes the output writers.
func (p *Process) supervise(readers []*os.File, writers []io.WriteCloser) {
	var copying sync.WaitGroup
	for i, r := range readers {
		copying.Add(1)
		go func() {
			defer copying.Done()
			_, _ = io.Copy(writers[i], r)
		}()
	}
	p.err = p.cmd.Wait()
	// The leader is gone; anything left in its group goes with it.
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	close(p.exited)
	drained := make(chan struct{})
	go func() { copying.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(outputGrace):
		closeAll(readers)
		<-drained
	}
	closeAll(readers)
	for _, w := range writers {
		_ = w.Close()
	}
	close(p.done)
}

func closeAll(files []*os.File) {
	for _, f := range files {
		_ = f.Close()
	}
}

// Name is the name the process was started with.
func (p *Process) Name() string { return p.name }

// Pid is the process id, which is also its process group id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed when the process has exited and its output is flushed.
func (p *Process) Done() <-chan struct{} { return p.done }

// Err is how the process exited (nil for status 0); call it after Done.
func (p *Process) Err() error { return p.err }

// Stopping reports whether Stop was called, telling an expected exit from a crash.
func (p *Process) Stopping() bool { return p.stopping.Load() }

// ErrKilled reports a process that ignored SIGTERM for the whole grace period.
var ErrKilled = errors.New("did not stop in time and was killed")

// Stop sends SIGTERM to the process group, waits up to grace for the process to
// exit, then kills the whole group. Whatever the process left in its group is
// killed when it exits, so nothing it started survives it. Calling Stop again
// waits for the same outcome.
func (p *Process) Stop(grace time.Duration) error {
	p.stopOnce.Do(func() {
		p.stopping.Store(true)
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(grace):
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			p.stopErr = fmt.Errorf("%s %w after %s", p.name, ErrKilled, grace)
		}
	})
	<-p.done
	return p.stopErr
}

// StopAll stops the processes concurrently and returns every failure to stop
// in time.
func StopAll(procs []*Process, grace time.Duration) error {
	errs := make([]error, len(procs))
	var wg sync.WaitGroup
	for i, p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = p.Stop(grace)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
