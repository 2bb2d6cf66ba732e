package mesh

import (
	"sort"
	"strings"
)

// Defaults are variables the operator may override from the shell (for
// example `LOG_LEVEL=debug crossdock up`); text logs read best in a terminal.
// JetStream reserves each stream's size limit on the store's disk, so the
// local streams are bounded smaller than a production server's (eight areas
// and the dead letters reserve about 2 GiB rather than 8). GOGC=400 lets
// each process's heap grow to five times what it holds live between
// collections: on a 2-core machine the mesh then completes about 8 % more
// purchases a second at saturation (docs/benchmarks.md), for a few tens of
// MiB more per process.
var Defaults = map[string]string{
	"GOGC":                      "400",
	"LOG_FORMAT":                "text",
	"LOG_LEVEL":                 "info",
	"NATS_STREAM_MAX_BYTES":     "268435456",
	"NATS_DEADLETTER_MAX_BYTES": "67108864",
}

// ServiceDefaults are one service's own defaults for the local mesh, which
// the operator may override from the shell like Defaults. The demo's
// exchange rates (source "demo") are illustrative and no feed refreshes
// them, so finance lets them age a year rather than refusing quotes once a
// mesh has run for more than a day.
var ServiceDefaults = map[string]map[string]string{
	Finance: {"FX_MAX_RATE_AGE_BY_SOURCE": "ecb=26h,manual=720h,demo=8760h"},
	// Docking pulls the simulated partners every few seconds, as close to
	// now as their two-second visibility lag allows, so an order placed on
	// a simulator arrives while one watches. The simulators (the partners'
	// and the supply platform's) serve plaintext on loopback, which docking
	// refuses unless told it is development.
	PlatformDocking: {"DOCKING_PULL_EVERY": "3s", "DOCKING_PULL_LAG": "5s", "DOCKING_SETTLE_EVERY": "5s", "DOCKING_PULL_OVERLAP": "10m",
		"DOCKING_RETRY": "5s", "DOCKING_ROUND": "1s", "DOCKING_PARTNER_PLAINTEXT": "true",
		// The supply simulator's catalogue is imported, its stock synced
		// and its purchase orders tracked every few seconds (a minute or
		// more in production), so its products reach review and its
		// waybills arrive while one watches.
		"DOCKING_SUPPLY_IMPORT_EVERY": "5s", "DOCKING_SUPPLY_STOCK_EVERY": "10s", "DOCKING_SUPPLY_TRACK_EVERY": "5s"},
}

// Env returns the environment of one service's process: the defaults, then the
// parent's environment, then the mesh's own addresses and credentials, which
// always win because they must match what the mesh actually listens on.
// databaseURL is ignored for the gateway, which has no database.
//
// Every process learns every gRPC server's address (USERS_ADDR, ...): the
// gateway needs them as upstreams, and a service calling a peer reads the same
// names.
//
// extra holds further variables the mesh decides for this service (its
// service account, the users service's bootstrap accounts); they win too.
func Env(s Service, plan Plan, databaseURL string, parent []string, extra map[string]string) []string {
	fixed := map[string]string{
		"ADMIN_ADDR": plan.Of(s).Admin,
		"NATS_URL":   plan.NATSURL(),
	}
	for k, v := range extra {
		fixed[k] = v
	}
	for _, peer := range Services {
		if a := plan.Of(peer); a.GRPC != "" {
			fixed[peer.AddrVar()] = a.GRPC
		}
	}
	if s.Backend() {
		fixed["GRPC_ADDR"] = plan.Of(s).GRPC
		fixed["DATABASE_URL"] = databaseURL
	} else {
		fixed["HTTP_ADDR"] = plan.Of(s).HTTP
	}
	return merge(ServiceDefaults[s.Name], parent, fixed)
}

// merge layers the defaults (Defaults, then own), the parent's environment
// and fixed, which wins, into a sorted KEY=value list.
func merge(own map[string]string, parent []string, fixed map[string]string) []string {
	env := make(map[string]string, len(parent)+len(fixed))
	for k, v := range Defaults {
		env[k] = v
	}
	for k, v := range own {
		env[k] = v
	}
	for _, kv := range parent {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			continue
		}
		env[k] = v
	}
	// A DATABASE_URL from the shell means nothing to the mesh; the gateway
	// and the simulators must not receive one either.
	delete(env, "DATABASE_URL")
	for k, v := range fixed {
		env[k] = v
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}
