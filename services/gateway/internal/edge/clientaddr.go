package edge

import (
	"net"
	"net/http"
	"strings"
)

// ClientAddr returns the address a request came from: the TCP peer, or — when
// the gateway sits behind a trusted proxy (trustForwarded) — the right-most
// address the proxy appended to X-Forwarded-For. Left-hand entries are the
// client's own claims and are never trusted.
func ClientAddr(r *http.Request, trustForwarded bool) string {
	if trustForwarded {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			if ip := strings.TrimSpace(parts[len(parts)-1]); net.ParseIP(ip) != nil {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
