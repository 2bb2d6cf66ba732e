package server

import "time"

// Config holds the addresses and timings shared by every gRPC service.
type Config struct {
	GRPCAddr        string        `env:"GRPC_ADDR" envDefault:":9090"`
	AdminAddr       string        `env:"ADMIN_ADDR" envDefault:":8080"`
	ShutdownTimeout time.Duration `env:"SHUTDOWN_TIMEOUT" envDefault:"15s"`
	// ReadinessInterval is how often readiness checks re-run; each check
	// gets the same span as its timeout.
	ReadinessInterval time.Duration `env:"READINESS_INTERVAL" envDefault:"2s"`
	// Profiling serves Go's profiles (/debug/pprof/) on the admin port, for
	// finding where a load test's time goes. Off by default: profiles show
	// internals, and the admin port is only for the cluster's own probes.
	Profiling bool `env:"ADMIN_PPROF" envDefault:"false"`
}

// withDefaults fills zero fields, for configs built in code rather than
// loaded from the environment.
func (c Config) withDefaults() Config {
	if c.GRPCAddr == "" {
		c.GRPCAddr = ":9090"
	}
	if c.AdminAddr == "" {
		c.AdminAddr = ":8080"
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = 15 * time.Second
	}
	if c.ReadinessInterval <= 0 {
		c.ReadinessInterval = 2 * time.Second
	}
	return c
}
