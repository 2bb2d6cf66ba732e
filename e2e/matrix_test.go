package e2e

import (
	"slices"
	"strings"
	"testing"
)

// authzCheck is one call of an authorization matrix: an actor (a key of the
// matrix's tokens) calls the route, on path (the route's template when
// empty), and must get one of want.
type authzCheck struct {
	actor string
	path  string
	body  any
	want  []int
}

var (
	denied = []int{403, 404}
	ok     = []int{200}
)

// authzMatrix checks every REST route of some services, read from
// proto/gateway.yaml: each route needs a row (public routes excepted), each
// non-public route refuses an anonymous call, and each check gets its status.
type authzMatrix struct {
	services []string
	// public routes take no token.
	public []string
	rows   map[string][]authzCheck
	tokens map[string]string
	// params fills a route's path template for the anonymous call.
	params *strings.Replacer
	// secrets is text a refused answer must never contain (another
	// party's data).
	secrets []string
}

func (m authzMatrix) run(t *testing.T, c *restClient) {
	t.Helper()
	var routes []string
	for _, s := range m.services {
		rs := gatewayRoutes(t, s)
		if len(rs) == 0 {
			t.Fatalf("no routes of %s in proto/gateway.yaml", s)
		}
		routes = append(routes, rs...)
	}
	for _, route := range routes {
		if slices.Contains(m.public, route) {
			continue
		}
		if _, covered := m.rows[route]; !covered {
			t.Errorf("route %s has no row in the authorization matrix", route)
		}
	}
	for route, checks := range m.rows {
		if !slices.Contains(routes, route) {
			t.Errorf("matrix row %s is not a route of proto/gateway.yaml", route)
		}
		method, template, _ := strings.Cut(route, " ")
		t.Run(route, func(t *testing.T) {
			if !slices.Contains(m.public, route) {
				anonymous := m.params.Replace(template)
				if r := c.do(method, anonymous, "", map[string]any{}); r.Status != 401 {
					t.Errorf("anonymous %s %s: %d, want 401", method, anonymous, r.Status)
				}
			}
			for _, ch := range checks {
				path := ch.path
				if path == "" {
					path = template
				}
				token, known := m.tokens[ch.actor]
				if !known {
					t.Fatalf("unknown actor %q", ch.actor)
				}
				r := c.do(method, path, token, ch.body)
				if !slices.Contains(ch.want, r.Status) {
					t.Errorf("%s %s as %s: %d, want one of %v: %s", method, path, ch.actor, r.Status, ch.want, r.Raw)
				}
				if !slices.Contains(ch.want, 200) {
					for _, s := range m.secrets {
						if strings.Contains(r.Raw, s) {
							t.Errorf("%s %s as %s leaked %q: %s", method, path, ch.actor, s, r.Raw)
						}
					}
				}
			}
		})
	}
}
