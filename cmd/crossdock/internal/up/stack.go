package up

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/crossdock/crossdock/cmd/crossdock/internal/child"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/mesh"
	"github.com/crossdock/crossdock/pkg/pgcluster"
)

// stack is what is running, stopped in the reverse of the order the requests
// flow: the gateway first (no new requests come in), then the services
// (finishing what they have in flight), then the simulators they were
// calling, then the broker and the database they were using.
type stack struct {
	out      io.Writer
	grace    time.Duration
	stopping atomic.Bool
	restart  restartPolicy

	// mu orders restarts against stop: once stop holds it, no process
	// starts again.
	mu       sync.Mutex
	nats     *server.Server
	pg       *pgcluster.Cluster
	gateway  *child.Process
	services []*child.Process
	sims     []*child.Process
}

// add records a started process and returns its place, for replace.
func (st *stack) add(s mesh.Service, p *child.Process) (replace func(*child.Process)) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !s.Backend() {
		st.gateway = p
		return func(p *child.Process) { st.gateway = p }
	}
	i := len(st.services)
	st.services = append(st.services, p)
	return func(p *child.Process) { st.services[i] = p }
}

// addSimulator records a started simulator and returns its place, for
// replace.
func (st *stack) addSimulator(p *child.Process) (replace func(*child.Process)) {
	st.mu.Lock()
	defer st.mu.Unlock()
	i := len(st.sims)
	st.sims = append(st.sims, p)
	return func(p *child.Process) { st.sims[i] = p }
}

// The pause before a crashed process starts again doubles from
// firstRestartPause up to maxRestartPause, as Kubernetes backs off a
// crash-looping container: long enough not to spin on a process that fails at
// once, short enough to come back soon after a passing fault (the database
// restarting). A process that ran for stableRun before it crashed is taken as
// recovered: its count of restarts and its pause start over, so a service
// crashing once a day is not stopped for good on the (restarts+1)th day.
const (
	firstRestartPause = time.Second
	maxRestartPause   = 30 * time.Second
	stableRun         = 10 * time.Minute
)

// restartPolicy is how watch paces restarts; the zero value is the defaults
// above (tests shorten them).
type restartPolicy struct {
	first, max, stable time.Duration
	// now is the clock that tells how long a process ran; nil is time.Now.
	now func() time.Time
}

func (r restartPolicy) orDefaults() restartPolicy {
	if r.first <= 0 {
		r.first = firstRestartPause
	}
	if r.max <= 0 {
		r.max = maxRestartPause
	}
	r.first = min(r.first, r.max)
	if r.stable <= 0 {
		r.stable = stableRun
	}
	if r.now == nil {
		r.now = time.Now
	}
	return r
}

// watch waits for p to exit. An exit during stop is expected. Any other exit
// fails the mesh, unless restarts remain: then the process is started again
// in its place, as Kubernetes restarts a crashed container.
func (st *stack) watch(name string, p *child.Process, restarts int, start func() (*child.Process, error),
	replace func(*child.Process), fail func(error)) {
	policy := st.restart.orDefaults()
	pause := policy.first
	started := policy.now()
	for n := 1; ; n++ {
		<-p.Done()
		if p.Stopping() || st.stopping.Load() {
			return
		}
		if policy.now().Sub(started) >= policy.stable {
			n, pause = 1, policy.first
		}
		crash := &exitError{name: name, err: p.Err()}
		if n > restarts {
			fail(crash)
			return
		}
		fmt.Fprintf(st.out, "%v: restarting it in %v (%d of %d)\n", crash, pause, n, restarts)
		time.Sleep(pause)
		pause = min(2*pause, policy.max)
		st.mu.Lock()
		if st.stopping.Load() {
			st.mu.Unlock()
			return
		}
		next, err := start()
		if err == nil {
			replace(next)
		}
		st.mu.Unlock()
		if err != nil {
			fail(err)
			return
		}
		p, started = next, policy.now()
	}
}

func (st *stack) stop() error {
	st.mu.Lock()
	st.stopping.Store(true)
	st.mu.Unlock()
	var errs []error
	if st.gateway != nil {
		fmt.Fprintln(st.out, "stopping the gateway")
		errs = append(errs, st.gateway.Stop(st.grace))
	}
	if len(st.services) > 0 {
		fmt.Fprintf(st.out, "stopping %d services\n", len(st.services))
		errs = append(errs, child.StopAll(st.services, st.grace))
	}
	if len(st.sims) > 0 {
		fmt.Fprintf(st.out, "stopping %d simulators\n", len(st.sims))
		errs = append(errs, child.StopAll(st.sims, st.grace))
	}
	if st.nats != nil {
		fmt.Fprintln(st.out, "stopping NATS")
		st.nats.Shutdown()
		st.nats.WaitForShutdown()
	}
	if st.pg != nil {
		fmt.Fprintln(st.out, "stopping PostgreSQL")
		errs = append(errs, st.pg.Stop())
	}
	fmt.Fprintln(st.out, "stopped")
	return errors.Join(errs...)
}
