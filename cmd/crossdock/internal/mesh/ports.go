package mesh

import (
	"errors"
	"fmt"
	"net"
	"strconv"
)

// Addresses are the loopback addresses of one service after the offset.
type Addresses struct {
	GRPC  string // empty for the gateway
	Admin string
	HTTP  string // the gateway only
}

// Plan is every address of the mesh for one port offset. Everything listens on
// 127.0.0.1 only: the local mesh is not reachable from the network.
type Plan struct {
	Offset         int
	NATS           string
	NATSMonitoring string
	Postgres       int
	services       map[string]Addresses
}

// MaxOffset keeps the highest port (the supply simulator's back office,
// 9404 + offset) a valid TCP port.
const MaxOffset = 65535 - 9404

// NewPlan computes the addresses for a port offset; the offset lets two meshes
// (a developer's and an end-to-end test's) run on one machine.
func NewPlan(offset int) (Plan, error) {
	if offset < 0 || offset > MaxOffset {
		return Plan{}, fmt.Errorf("port offset %d is outside 0..%d", offset, MaxOffset)
	}
	p := Plan{
		Offset:         offset,
		NATS:           loopback(NATSPort + offset),
		NATSMonitoring: loopback(NATSMonitoringPort + offset),
		Postgres:       PostgresPort + offset,
		services:       make(map[string]Addresses, len(Services)),
	}
	for _, s := range Services {
		a := Addresses{Admin: loopback(s.AdminPort + offset)}
		if s.GRPCPort != 0 {
			a.GRPC = loopback(s.GRPCPort + offset)
		}
		if s.HTTPPort != 0 {
			a.HTTP = loopback(s.HTTPPort + offset)
		}
		p.services[s.Name] = a
	}
	return p, nil
}

// Of returns the addresses of a service of the table.
func (p Plan) Of(s Service) Addresses { return p.services[s.Name] }

// NATSURL is the client URL every service is given.
func (p Plan) NATSURL() string { return "nats://" + p.NATS }

// GatewayURL is the public base URL of the REST API.
func (p Plan) GatewayURL() string {
	for _, s := range Services {
		if s.Name == Gateway {
			return "http://" + p.Of(s).HTTP
		}
	}
	return ""
}

// Listener names one port of the plan for error messages.
type Listener struct {
	Owner string // e.g. "users gRPC"
	Addr  string
}

// Listeners lists every address the mesh will listen on.
func (p Plan) Listeners() []Listener {
	out := []Listener{
		{"NATS", p.NATS},
		{"NATS monitoring", p.NATSMonitoring},
		{"PostgreSQL", loopback(p.Postgres)},
	}
	for _, s := range Services {
		a := p.Of(s)
		if a.GRPC != "" {
			out = append(out, Listener{s.Name + " gRPC", a.GRPC})
		}
		if a.HTTP != "" {
			out = append(out, Listener{s.Name + " HTTP", a.HTTP})
		}
		out = append(out, Listener{s.Name + " admin", a.Admin})
	}
	for _, s := range Simulators {
		kind := " HTTP"
		if s.GRPC {
			kind = " gRPC"
		}
		out = append(out, Listener{s.Name + kind, p.SimulatorAddr(s)})
		if s.Admin {
			out = append(out, Listener{s.Name + " admin", p.SimulatorAdminAddr(s)})
		}
	}
	return out
}

// ErrPortsInUse is wrapped by CheckFree when a port is taken.
var ErrPortsInUse = errors.New("ports in use")

// CheckFree fails, naming every taken port, when any address of the plan is
// already in use. Finding out before anything starts gives one clear message
// instead of a service crashing half-way through start-up.
func (p Plan) CheckFree() error {
	var busy []string
	for _, l := range p.Listeners() {
		ln, err := net.Listen("tcp", l.Addr)
		if err != nil {
			busy = append(busy, fmt.Sprintf("%s (%s)", l.Addr, l.Owner))
			continue
		}
		_ = ln.Close()
	}
	if len(busy) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %v; is another mesh running? stop it or pick another --port-offset", ErrPortsInUse, busy)
}

func loopback(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }
