package edge

import (
	"context"
	"net"
	"net/http"
	"strings"
)

// ClientAddr returns the address a request came from: the TCP peer, or — when
// the gateway sits behind a trusted proxy (trustForwarded) — the right-most
// address the proxy appended to X-Forwarded-For. Left-hand entries are the
// client's own claims and are never trusted, nor are header lines before the
// last: a proxy may append its own line rather than extend the client's.
func ClientAddr(r *http.Request, trustForwarded bool) string {
	if trustForwarded {
		if lines := r.Header.Values("X-Forwarded-For"); len(lines) > 0 {
			parts := strings.Split(lines[len(lines)-1], ",")
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

type clientAddrKey struct{}

// WithClientAddr records the client address the edge resolved, for the
// services that count failures per client (users passes it on as
// x-client-address).
func WithClientAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientAddrKey{}, addr)
}

// ClientAddrFrom returns the address WithClientAddr recorded.
func ClientAddrFrom(ctx context.Context) (string, bool) {
	a, ok := ctx.Value(clientAddrKey{}).(string)
	return a, ok && a != ""
}
