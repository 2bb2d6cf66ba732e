package edge

import "net/http"

// NoStore marks every response `Cache-Control: no-store` except those of the
// cacheable routes. Responses of credential routes carry tokens and those of
// authenticated routes carry personal data (a profile, addresses, API client
// secrets), so no browser, proxy or CDN may keep a copy; the public catalogue
// stays cacheable. A handler may still set its own Cache-Control.
func NoStore(cacheable RouteSet) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !cacheable.MatchRequest(r) {
				w.Header().Set("Cache-Control", "no-store")
			}
			next.ServeHTTP(w, r)
		})
	}
}
