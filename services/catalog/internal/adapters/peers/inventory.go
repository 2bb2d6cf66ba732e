// Package peers holds the catalog's clients of other services.
package peers

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	"github.com/crossdock/crossdock/services/catalog/internal/app"
)

// inventoryTimeout bounds an availability call: a listing waits this long
// for stock figures at most, then shows none.
const inventoryTimeout = 2 * time.Second

// Inventory asks the inventory service for availability. The connection is
// created on first use, so the catalog starts and serves without inventory.
type Inventory struct {
	addr  string
	creds credentials.PerRPCCredentials

	once   sync.Once
	conn   *grpc.ClientConn
	client inventoryv1.InventoryServiceClient
	err    error
}

var _ app.Availability = (*Inventory)(nil)

// NewInventory returns a client of the inventory service at addr; creds,
// when not nil, authenticate the calls as this service.
func NewInventory(addr string, creds credentials.PerRPCCredentials) *Inventory {
	return &Inventory{addr: addr, creds: creds}
}

func (i *Inventory) connect() (inventoryv1.InventoryServiceClient, error) {
	i.once.Do(func() {
		opts := []grpc.DialOption{
			grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithStatsHandler(otelgrpc.NewClientHandler()),
		}
		if i.creds != nil {
			opts = append(opts, grpc.WithPerRPCCredentials(i.creds))
		}
		i.conn, i.err = grpc.NewClient(i.addr, opts...)
		if i.err == nil {
			i.client = inventoryv1.NewInventoryServiceClient(i.conn)
		}
	})
	if i.client == nil && i.err == nil {
		return nil, errClosed
	}
	return i.client, i.err
}

var errClosed = errors.New("client closed")

// Available returns the units available per SKU; SKUs inventory does not
// know are absent (zero).
func (i *Inventory) Available(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]int64, error) {
	client, err := i.connect()
	if err != nil {
		return nil, fmt.Errorf("inventory at %s: %w", i.addr, err)
	}
	req := &inventoryv1.GetAvailabilityRequest{}
	for _, id := range ids {
		req.SkuIds = append(req.SkuIds, id.String())
	}
	ctx, cancel := context.WithTimeout(ctx, inventoryTimeout)
	defer cancel()
	resp, err := client.GetAvailability(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("inventory GetAvailability: %w", err)
	}
	out := make(map[uuid.UUID]int64, len(resp.GetAvailability()))
	for _, a := range resp.GetAvailability() {
		if id, err := uuid.Parse(a.GetSkuId()); err == nil {
			out[id] = a.GetAvailable()
		}
	}
	return out, nil
}

// Close closes the connection, if one was made; later calls fail.
func (i *Inventory) Close() error {
	i.once.Do(func() {}) // waits for a connect in progress, or prevents one
	if i.conn != nil {
		return i.conn.Close()
	}
	return nil
}
