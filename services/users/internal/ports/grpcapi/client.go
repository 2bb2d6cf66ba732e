package grpcapi

import (
	"context"
	"net"

	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	"github.com/crossdock/crossdock/pkg/netkey"
)

// ClientAddressHeader is the metadata in which the gateway passes the address
// of the HTTP client it serves.
const ClientAddressHeader = "x-client-address"

// clientIdentity is who the throttle counts failed credential checks by: the
// connection's peer address and, when a caller such as the gateway speaks
// for many clients, the client address it forwards. A forwarded address is
// only a claim, so it never replaces the peer, it splits it: a caller that
// forges addresses escapes the per-client limits but not the per-account
// one, and cannot pose as a client that connects from elsewhere. An IPv6
// address counts by its /64 (netkey.Client).
func clientIdentity(ctx context.Context) string {
	id := "unknown"
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		id = p.Addr.String()
		if host, _, err := net.SplitHostPort(id); err == nil {
			id = netkey.Client(host)
		}
	}
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if v := md.Get(ClientAddressHeader); len(v) == 1 && net.ParseIP(v[0]) != nil {
			id += "/" + netkey.Client(v[0])
		}
	}
	return id
}
