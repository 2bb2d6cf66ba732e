// Package upstream holds the gateway's gRPC connections to the services.
package upstream

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/crossdock/crossdock/pkg/service"
	"github.com/crossdock/crossdock/pkg/textguard"
)

// Addresses are the services' gRPC addresses (host:port).
type Addresses struct {
	Users            string `env:"USERS_ADDR" envDefault:"127.0.0.1:9101"`
	Catalog          string `env:"CATALOG_ADDR" envDefault:"127.0.0.1:9102"`
	Inventory        string `env:"INVENTORY_ADDR" envDefault:"127.0.0.1:9103"`
	Orders           string `env:"ORDERS_ADDR" envDefault:"127.0.0.1:9104"`
	Logistics        string `env:"LOGISTICS_ADDR" envDefault:"127.0.0.1:9105"`
	Finance          string `env:"FINANCE_ADDR" envDefault:"127.0.0.1:9106"`
	FreightEstimator string `env:"FREIGHT_ESTIMATOR_ADDR" envDefault:"127.0.0.1:9107"`
	PlatformDocking  string `env:"PLATFORM_DOCKING_ADDR" envDefault:"127.0.0.1:9108"`
}

// Conns are one client connection per service. Connections are lazy: the gateway
// starts before the services and connects on first use.
type Conns struct {
	Users, Catalog, Inventory, Orders, Logistics, Finance, FreightEstimator, PlatformDocking *grpc.ClientConn
}

// maxAnswerBytes bounds a service's answer the gateway takes: above gRPC's
// default 4 MiB, which the lists without paging (the category tree, product
// models) may reach as the catalogue grows.
const maxAnswerBytes = 16 << 20

// Dial creates the connections (without waiting for any service). Every
// unary call through them ends within callTimeout (0: no bound of the
// gateway's own), so a service that hangs costs a caller at most that and
// answers DeadlineExceeded (HTTP 504) rather than holding the request, its
// connection and the goroutines serving it for as long as the client waits.
// A client's own earlier deadline (a Grpc-Timeout header, which
// grpc-gateway honours) is kept; a later one is cut to callTimeout, since
// the public server's write timeout would cut the connection soon after
// anyway, without an answer.
func Dial(a Addresses, callTimeout time.Duration) (*Conns, error) {
	var errs []error
	dial := func(name, addr string) *grpc.ClientConn {
		conn, err := grpc.NewClient(addr,
			// Inside the cluster the mesh (or NetworkPolicy-guarded pod network)
			// carries the traffic; TLS termination is the platform's concern.
			grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithStatsHandler(otelgrpc.NewClientHandler()),
			// Paths and query strings are untrusted text: a string grpc-go
			// cannot marshal (invalid UTF-8) is refused here with the field
			// named, instead of surfacing as an Internal error.
			grpc.WithChainUnaryInterceptor(textguard.UnaryClientInterceptor(), service.CallTimeout(callTimeout)),
			grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxAnswerBytes)),
		)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s (%s): %w", name, addr, err))
		}
		return conn
	}
	c := &Conns{
		Users: dial("users", a.Users), Catalog: dial("catalog", a.Catalog),
		Inventory: dial("inventory", a.Inventory), Orders: dial("orders", a.Orders),
		Logistics: dial("logistics", a.Logistics), Finance: dial("finance", a.Finance),
		FreightEstimator: dial("freight-estimator", a.FreightEstimator),
		PlatformDocking:  dial("platform-docking", a.PlatformDocking),
	}
	if err := errors.Join(errs...); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Close closes every connection.
func (c *Conns) Close() {
	for _, conn := range []*grpc.ClientConn{c.Users, c.Catalog, c.Inventory, c.Orders, c.Logistics,
		c.Finance, c.FreightEstimator, c.PlatformDocking} {
		if conn != nil {
			_ = conn.Close()
		}
	}
}
