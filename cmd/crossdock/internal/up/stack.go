package up

import (
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/crossdock/crossdock/cmd/crossdock/internal/child"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/mesh"
	"github.com/crossdock/crossdock/pkg/pgcluster"
)

// stack is what is running, stopped in the reverse of the order the requests
// flow: the gateway first (no new requests come in), then the services
// (finishing what they have in flight), then the broker and the database they
// were using.
type stack struct {
	out      io.Writer
	grace    time.Duration
	stopping atomic.Bool

	nats     *server.Server
	pg       *pgcluster.Cluster
	gateway  *child.Process
	services []*child.Process
}

func (st *stack) add(s mesh.Service, p *child.Process) {
	if s.Backend() {
		st.services = append(st.services, p)
	} else {
		st.gateway = p
	}
}

func (st *stack) stop() error {
	st.stopping.Store(true)
	var errs []error
	if st.gateway != nil {
		fmt.Fprintln(st.out, "stopping the gateway")
		errs = append(errs, st.gateway.Stop(st.grace))
	}
	if len(st.services) > 0 {
		fmt.Fprintf(st.out, "stopping %d services\n", len(st.services))
		errs = append(errs, child.StopAll(st.services, st.grace))
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
