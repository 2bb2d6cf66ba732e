package grpcapi

import (
	"context"
	"net"

	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	"github.com/crossdock/crossdock/pkg/netkey"
	"github.com/crossdock/crossdock/services/users/internal/app"
)

// ClientAddressHeader is the metadata in which the gateway passes the address
// of the HTTP client it serves.
const ClientAddressHeader = "x-client-address"

// withClient is ctx carrying the caller's client identity, which the
// credential checks, their throttle and the refresh grace count by.
func withClient(ctx context.Context) context.Context {
	return app.WithClient(ctx, clientIdentity(ctx))
}

// clientIdentity is who the throttle counts failed credential checks by:
// the connection's peer address and, when a caller such as the gateway
// speaks for many clients, the client address it forwards (app.Client). An
// IPv6 address counts by its /64 (netkey.Client).
func clientIdentity(ctx context.Context) app.Client {
	c := app.Client{Peer: "unknown"}
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		c.Peer = p.Addr.String()
		if host, _, err := net.SplitHostPort(c.Peer); err == nil {
			c.Peer = netkey.Client(host)
		}
	}
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if v := md.Get(ClientAddressHeader); len(v) == 1 && net.ParseIP(v[0]) != nil {
			c.Forwarded = netkey.Client(v[0])
		}
	}
	return c
}
