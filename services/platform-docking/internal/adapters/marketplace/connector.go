package marketplace

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	partnerv1 "github.com/crossdock/crossdock/gen/crossdock/partner/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/partnertls"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// Connector docks onto standard-protocol partners: listings, orders,
// shipments and settlements, each a signed call bounded by the timeout.
// Unlike a handshake these calls are frequent (every sync loop, every
// package), so it keeps one connection per partner endpoint, opened on first
// use and closed by Close.
type Connector struct {
	signer    Signer
	timeout   time.Duration
	transport partnertls.Transport

	mu     sync.Mutex
	conns  map[string]*grpc.ClientConn // by endpoint
	closed bool
}

var (
	_ app.ListingConnector    = (*Connector)(nil)
	_ app.OrderConnector      = (*Connector)(nil)
	_ app.ShipmentConnector   = (*Connector)(nil)
	_ app.SettlementConnector = (*Connector)(nil)
)

// NewConnector returns a connector signing as signer over transport, each
// call bounded by timeout.
func NewConnector(signer Signer, timeout time.Duration, transport partnertls.Transport) *Connector {
	return &Connector{signer: signer, timeout: timeout, transport: transport, conns: map[string]*grpc.ClientConn{}}
}

// App is the connector's capabilities as docking's application layer takes
// them: the standard protocol supports all four.
func (c *Connector) App() app.Connector {
	return app.Connector{Listings: c, Orders: c, Shipments: c, Settlements: c}
}

// Close closes every connection; calls after it fail as unreachable.
func (c *Connector) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	var errs []error
	for endpoint, conn := range c.conns {
		errs = append(errs, conn.Close())
		delete(c.conns, endpoint)
	}
	return errors.Join(errs...)
}

// errClosed is a call after Close.
var errClosed = errors.New("marketplace: the connector is closed")

// client returns the client of p's endpoint, dialling it the first time.
func (c *Connector) client(p domain.Partner) (partnerv1.MarketplaceServiceClient, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, apperr.Unavailable("the partner connector is closed").WithReason("PARTNER_UNREACHABLE").Wrap(errClosed)
	}
	conn, ok := c.conns[p.Endpoint]
	if !ok {
		var err error
		if conn, err = dial(p.Endpoint, c.signer, c.transport); err != nil {
			return nil, apperr.FailedPrecondition("the partner's endpoint " + p.Endpoint + " is not a gRPC target").
				WithReason("PARTNER_REFUSED").Wrap(err)
		}
		c.conns[p.Endpoint] = conn
	}
	return partnerv1.NewMarketplaceServiceClient(conn), nil
}

// call runs one signed call to p bounded by the timeout and turns its error
// into docking's (see partnerError). The call gets the option that captures
// the trailer, where a rate limit says how long to wait.
func (c *Connector) call(ctx context.Context, p domain.Partner,
	do func(context.Context, partnerv1.MarketplaceServiceClient, grpc.CallOption) error) error {
	client, err := c.client(p)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var trailer metadata.MD
	if err := do(ctx, client, grpc.Trailer(&trailer)); err != nil {
		return partnerError(p, err, trailer)
	}
	return nil
}

// defaultRetryAfter is the wait of a rate limit that did not say.
const defaultRetryAfter = time.Second

// partnerError maps a failed call: unreachable or timed out is Unavailable,
// a rate limit a *app.RateLimited with the partner's "retry-after" seconds,
// NOT_FOUND a NotFound, anything else the partner refusing the call. The
// partner's own message is not passed on: it is text from outside.
func partnerError(p domain.Partner, err error, trailer metadata.MD) error {
	if unreachable := unreachableError(p, err); unreachable != nil {
		return unreachable
	}
	code := status.Code(err)
	switch code {
	case codes.ResourceExhausted:
		return &app.RateLimited{After: retryAfter(trailer)}
	case codes.NotFound:
		return apperr.NotFound("partner object", p.Code).Wrap(err)
	}
	return apperr.FailedPrecondition("the partner refused the call (" + code.String() + ")").
		WithReason("PARTNER_REFUSED").Wrap(err)
}

// retryAfter reads the "retry-after" trailer (whole seconds); missing or
// unreadable is defaultRetryAfter.
func retryAfter(trailer metadata.MD) time.Duration {
	v := trailer.Get("retry-after")
	if len(v) == 0 {
		return defaultRetryAfter
	}
	secs, err := strconv.ParseFloat(v[0], 64)
	if err != nil || secs <= 0 || secs > 24*3600 {
		return defaultRetryAfter
	}
	return time.Duration(secs * float64(time.Second))
}
