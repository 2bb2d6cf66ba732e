// Package app holds the orders service's use cases. Today: the buyer's
// cart, shown with current prices and availability. Each command checks
// who may call it, validates its input before writing anything, and runs
// its writes in one transaction.
package app

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// Store is the orders database.
type Store interface {
	Repository
	// InTx runs fn in a transaction and commits it when fn returns nil.
	InTx(ctx context.Context, fn func(Repository) error) error
}

// Repository is what a command may do in its transaction.
type Repository interface {
	// LockCart returns the buyer's cart, creating an empty one, locked
	// until the transaction ends.
	LockCart(ctx context.Context, buyerID string, at time.Time) (domain.Cart, error)
	// GetCart returns the buyer's cart; an empty one when there is none.
	GetCart(ctx context.Context, buyerID string) (domain.Cart, error)
	// SaveCart replaces the cart's lines.
	SaveCart(ctx context.Context, c domain.Cart) error
}

// Catalog resolves SKUs as they are now.
type Catalog interface {
	// SKUs returns the known SKUs among ids.
	SKUs(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]domain.SKU, error)
}

// Inventory tells the units available to order.
type Inventory interface {
	Available(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]int64, error)
}

// Service runs the use cases.
type Service struct {
	store     Store
	catalog   Catalog
	inventory Inventory
	now       func() time.Time
}

// New returns the use cases.
func New(store Store, catalog Catalog, inventory Inventory) *Service {
	return &Service{store: store, catalog: catalog, inventory: inventory, now: time.Now}
}

// clock returns the current time at microsecond precision, as PostgreSQL
// stores it.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }
