// Package mesh describes the processes of the local mesh: which services run,
// on which loopback ports, with which database, and the environment each one
// is started with. It is pure data, so the port plan can be checked without
// starting anything.
package mesh

import (
	"fmt"
	"strings"
)

// Service is one process of the mesh.
type Service struct {
	// Name is the directory and binary name, e.g. "freight-estimator".
	Name string
	// GRPCPort is the gRPC port before the offset; zero for the gateway, which
	// serves HTTP instead.
	GRPCPort int
	// AdminPort serves /healthz, /readyz and /metrics.
	AdminPort int
	// HTTPPort is the gateway's public REST port; zero for every other service.
	HTTPPort int
}

// Gateway is the name of the one service without a gRPC server or a database.
const Gateway = "gateway"

// Users is the service that issues tokens and holds the accounts the mesh seeds.
const Users = "users"

// Logistics is the service that talks to the carriers.
const Logistics = "logistics"

// Finance is the service that talks to the payment provider.
const Finance = "finance"

// FreightEstimator is the service that estimates freight from history.
const FreightEstimator = "freight-estimator"

// PlatformDocking is the service that talks to partner platforms.
const PlatformDocking = "platform-docking"

// Services lists the mesh in start order: the backends first, the gateway last.
// Ports are fixed (before the offset) so URLs stay the same from one run to
// the next and can be bookmarked.
var Services = []Service{
	{Name: Users, GRPCPort: 9101, AdminPort: 9201},
	{Name: "catalog", GRPCPort: 9102, AdminPort: 9202},
	{Name: "inventory", GRPCPort: 9103, AdminPort: 9203},
	{Name: "orders", GRPCPort: 9104, AdminPort: 9204},
	{Name: Logistics, GRPCPort: 9105, AdminPort: 9205},
	{Name: Finance, GRPCPort: 9106, AdminPort: 9206},
	{Name: FreightEstimator, GRPCPort: 9107, AdminPort: 9207},
	{Name: PlatformDocking, GRPCPort: 9108, AdminPort: 9208},
	{Name: Gateway, AdminPort: 9209, HTTPPort: 8080},
}

// Infrastructure ports before the offset. PostgreSQL uses 5433 rather than the
// default 5432 so a system-wide server on the same machine is left alone.
const (
	NATSPort           = 4222
	NATSMonitoringPort = 8222
	PostgresPort       = 5433
)

// Backend reports whether the service has a gRPC server and a database of its own.
func (s Service) Backend() bool { return s.Name != Gateway }

// Database is the name of the service's database and of its login role:
// PostgreSQL identifiers are simplest without dashes.
func (s Service) Database() string { return strings.ReplaceAll(s.Name, "-", "_") }

// AddrVar is the environment variable through which other processes find this
// service's gRPC server, e.g. FREIGHT_ESTIMATOR_ADDR.
func (s Service) AddrVar() string {
	return strings.ToUpper(strings.ReplaceAll(s.Name, "-", "_")) + "_ADDR"
}

// Package is the Go package path of the service's binary, relative to the
// repository root.
func (s Service) Package() string { return fmt.Sprintf("./services/%s/cmd/%s", s.Name, s.Name) }

// Backends returns the services that have a gRPC server and a database.
func Backends() []Service {
	var out []Service
	for _, s := range Services {
		if s.Backend() {
			out = append(out, s)
		}
	}
	return out
}
