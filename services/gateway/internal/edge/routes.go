package edge

import (
	"net/http"
	"regexp"
	"strings"
)

// RouteSet matches requests against route templates such as
// "GET /v1/listings/{product_id}" or "POST /v1/products/{product_id}:submit":
// a {name} matches one non-empty path segment (not including a ":verb").
type RouteSet struct {
	routes []*regexp.Regexp
}

var templateParam = regexp.MustCompile(`\{[^}]+\}`)

// NewRouteSet compiles templates written "METHOD /path".
func NewRouteSet(templates ...string) RouteSet {
	var s RouteSet
	for _, t := range templates {
		method, path, _ := strings.Cut(t, " ")
		parts := templateParam.Split(path, -1)
		for i := range parts {
			parts[i] = regexp.QuoteMeta(parts[i])
		}
		s.routes = append(s.routes, regexp.MustCompile("^"+regexp.QuoteMeta(method)+" "+strings.Join(parts, "[^/:]+")+"$"))
	}
	return s
}

// Match reports whether method and path match one of the templates.
func (s RouteSet) Match(method, path string) bool {
	key := method + " " + path
	for _, r := range s.routes {
		if r.MatchString(key) {
			return true
		}
	}
	return false
}

// MatchRequest reports whether r matches one of the templates, on its path
// as sent: the router matches the escaped path segment by segment (an id
// holding "/" travels as %2F within one segment), so the edge must decide
// on the same segments or a request could look public here and reach a
// private route there.
func (s RouteSet) MatchRequest(r *http.Request) bool {
	return s.Match(r.Method, r.URL.EscapedPath())
}
