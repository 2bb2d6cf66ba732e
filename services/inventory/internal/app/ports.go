package app

import (
	"context"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

// Store is the inventory database. Reads may run on it directly; every
// command runs in one transaction through InTx, and its events commit with it.
type Store interface {
	Repository
	// InTx runs fn in a transaction and commits it when fn returns nil. A
	// serialization failure or deadlock runs fn again, so fn must have no
	// effects outside the transaction.
	InTx(ctx context.Context, fn func(Repository) error) error
}

// Event is one fact to publish through the outbox.
type Event struct {
	Subject string
	Message proto.Message
}

// Repository reads and writes the service's aggregates. Methods that return
// one object give an apperr NotFound error when it does not exist. Methods
// that lock ("Lock…", forUpdate) hold the row locks until the transaction
// ends; stock rows are always locked in (sku_id, warehouse_id) order.
type Repository interface {
	// Emit adds events to the outbox; it fails outside a transaction.
	Emit(ctx context.Context, events ...Event) error
	// Savepoint runs fn inside the current transaction so that an error from
	// fn undoes fn's writes and nothing else; the transaction goes on. Locks
	// fn took are kept. It fails outside a transaction.
	Savepoint(ctx context.Context, fn func(Repository) error) error

	// SaveSKU records a SKU from the catalog; a SKU already known is left
	// as it is.
	SaveSKU(ctx context.Context, sku domain.SKU, at time.Time) error
	// SetProductDeleted records whether a product is in the catalog's bin,
	// unless a newer state (by at) is already recorded.
	SetProductDeleted(ctx context.Context, productID, supplierID uuid.UUID, deleted bool, at time.Time) error
	GetSKU(ctx context.Context, id uuid.UUID) (domain.SKU, error)
	// GetSKUs returns the known SKUs among ids.
	GetSKUs(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]domain.SKU, error)
	// FindSKUsByCode returns a supplier's SKUs with the given codes, by code.
	FindSKUsByCode(ctx context.Context, supplierID uuid.UUID, codes []string) (map[string][]domain.SKU, error)

	CreateWarehouse(ctx context.Context, w domain.Warehouse) error
	GetWarehouse(ctx context.Context, id uuid.UUID) (domain.Warehouse, error)
	// ListWarehouses lists a supplier's warehouses, or every warehouse when
	// supplierID is nil; oldest first.
	ListWarehouses(ctx context.Context, supplierID *uuid.UUID) ([]domain.Warehouse, error)

	// LockLevels locks the stock rows of keys, creating missing ones at zero
	// when create is true (missing rows are left out otherwise).
	LockLevels(ctx context.Context, keys []domain.StockKey, create bool, at time.Time) ([]domain.Level, error)
	// LockSKULevels locks every stock row of the SKUs.
	LockSKULevels(ctx context.Context, skuIDs []uuid.UUID) ([]domain.Level, error)
	// SaveLevels writes levels' on-hand, reserved and threshold.
	SaveLevels(ctx context.Context, levels []domain.Level, at time.Time) error
	// AppendJournal records movements.
	AppendJournal(ctx context.Context, moves []domain.Movement) error
	// SKULevels returns a SKU's levels in every warehouse.
	SKULevels(ctx context.Context, skuID uuid.UUID) ([]domain.Level, error)
	// WarehouseLevels returns one page of a warehouse's levels by SKU id.
	WarehouseLevels(ctx context.Context, warehouseID uuid.UUID, after uuid.UUID, limit int) ([]domain.Level, error)
	// Availability sums the available stock of reservable SKUs over every
	// warehouse; SKUs that are unknown or not reservable are left out.
	Availability(ctx context.Context, skuIDs []uuid.UUID) (map[uuid.UUID]int64, error)
	// Journal returns one page of a SKU's movements, newest first.
	Journal(ctx context.Context, q JournalQuery) ([]domain.Movement, error)

	// ClaimKey records an idempotency key with the request's fingerprint.
	// claimed is false when the key was recorded before; then the stored
	// fingerprint and result are returned. A concurrent claim of the same key
	// waits for the first to commit or roll back.
	ClaimKey(ctx context.Context, scope, key, fingerprint string, at time.Time) (claimed bool, stored StoredKey, err error)
	// SaveKeyResult stores the answer of a claimed key's command.
	SaveKeyResult(ctx context.Context, scope, key string, result []byte) error

	// ClaimReservation inserts a new reservation unless the order already has
	// one (claimed false); a concurrent claim of the same order waits for the
	// first to commit or roll back.
	ClaimReservation(ctx context.Context, r domain.Reservation) (claimed bool, err error)
	// GetReservation reads an order's reservation with its lines; forUpdate
	// locks the reservation row.
	GetReservation(ctx context.Context, orderID string, forUpdate bool) (domain.Reservation, error)
	SaveReservationLines(ctx context.Context, id uuid.UUID, lines []domain.ReservationLine) error
	// UpdateReservation writes status, expiry and the finishing fields.
	UpdateReservation(ctx context.Context, r domain.Reservation) error
	// LockDueReservation locks one active reservation due at now that no
	// other transaction holds, with its lines; ok is false when none is.
	LockDueReservation(ctx context.Context, now time.Time) (r domain.Reservation, ok bool, err error)

	CreatePurchaseOrder(ctx context.Context, po domain.PurchaseOrder) error
	GetPurchaseOrder(ctx context.Context, id uuid.UUID) (domain.PurchaseOrder, error)
	// UpdatePurchaseOrder locks the purchase order, applies change, saves it
	// and writes the events change returns, in one transaction (the
	// caller's inside InTx); an error from change changes nothing.
	UpdatePurchaseOrder(ctx context.Context, id uuid.UUID, change func(*domain.PurchaseOrder) ([]outbox.Message, error)) (domain.PurchaseOrder, error)
	// ListPurchaseOrders returns one page, newest first, of a supplier's
	// purchase orders, or of all when supplierID is nil.
	ListPurchaseOrders(ctx context.Context, supplierID *uuid.UUID, before uuid.UUID, limit int) ([]domain.PurchaseOrder, error)
}

// StoredKey is what an earlier use of an idempotency key recorded.
type StoredKey struct {
	Fingerprint string
	Result      []byte
}

// JournalQuery selects one page of a SKU's journal, newest first.
type JournalQuery struct {
	SKUID uuid.UUID
	// WarehouseID filters by warehouse; uuid.Nil for all.
	WarehouseID uuid.UUID
	// Before is the id of the last entry of the previous page; 0 for the first.
	Before int64
	Limit  int
}
