package mesh

import (
	"sort"
	"strings"
)

// Defaults are variables the operator may override from the shell (for
// example `LOG_LEVEL=debug crossdock up`); text logs read best in a terminal.
var Defaults = map[string]string{
	"LOG_FORMAT": "text",
	"LOG_LEVEL":  "info",
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
	return merge(parent, fixed)
}

// merge layers the defaults, the parent's environment and fixed, which
// wins, into a sorted KEY=value list.
func merge(parent []string, fixed map[string]string) []string {
	env := make(map[string]string, len(parent)+len(fixed))
	for k, v := range Defaults {
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
