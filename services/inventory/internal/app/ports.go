package app

import (
	"context"
	"time"

	"github.com/google/uuid"

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
type Event = outbox.Message

// Repository is everything a command may do in its transaction: the ports
// of every aggregate, so one transaction can span several (a reservation
// moves stock, a receipt changes a purchase order and stock). Methods that
// return one object give an apperr NotFound error when it does not exist.
// Code that needs one aggregate takes its port, not Repository.
//
// Locks: rows are locked until the transaction ends, a reservation's row
// before any stock row, and stock rows always in (sku_id, warehouse_id)
// order, so concurrent commands queue instead of deadlocking.
type Repository interface {
	Events
	SKUs
	Warehouses
	Stock
	Keys
	Reservations
	PurchaseOrders
}

// Events writes facts to the outbox in the command's transaction.
type Events interface {
	// Emit adds events to the outbox; it fails outside a transaction.
	Emit(ctx context.Context, events ...Event) error
}

// SKUs is the directory of the catalog's SKUs that stock is kept for.
type SKUs interface {
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
}

// Warehouses stores suppliers' and central warehouses.
type Warehouses interface {
	CreateWarehouse(ctx context.Context, w domain.Warehouse) error
	GetWarehouse(ctx context.Context, id uuid.UUID) (domain.Warehouse, error)
	// ListWarehouses lists a supplier's warehouses, or every warehouse when
	// supplierID is nil; oldest first.
	// Naming some (only), it lists those of them.
	ListWarehouses(ctx context.Context, supplierID *uuid.UUID, only []uuid.UUID) ([]domain.Warehouse, error)
}

// Stock stores stock levels and their journal.
type Stock interface {
	// LockLevels locks the stock rows of keys, creating missing ones at zero
	// when create is true (missing rows are left out otherwise).
	LockLevels(ctx context.Context, keys []domain.StockKey, create bool, at time.Time) ([]domain.Level, error)
	// SKUsAndLockedLevels returns the known SKUs among ids (as GetSKUs) and
	// locks every stock row of them, in one round trip.
	SKUsAndLockedLevels(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]domain.SKU, []domain.Level, error)
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
	// LastCounted returns when each level was last counted by an ERP sync;
	// levels never counted are left out.
	LastCounted(ctx context.Context, keys []domain.StockKey) (map[domain.StockKey]time.Time, error)
	// OnHandMovedSince sums each level's on-hand movements journalled after
	// since; levels that did not move are left out.
	OnHandMovedSince(ctx context.Context, keys []domain.StockKey, since time.Time) (map[domain.StockKey]int64, error)
	// SetCounted records that the levels were counted at at; a later count
	// already recorded stays.
	SetCounted(ctx context.Context, keys []domain.StockKey, at time.Time) error
}

// Keys stores the idempotency keys of commands that have no natural key.
type Keys interface {
	// ClaimKey records an idempotency key with the request's fingerprint.
	// claimed is false when the key was recorded before; then the stored
	// fingerprint and result are returned. A concurrent claim of the same key
	// waits for the first to commit or roll back.
	ClaimKey(ctx context.Context, scope, key, fingerprint string, at time.Time) (claimed bool, stored StoredKey, err error)
	// SaveKeyResult stores the answer of a claimed key's command.
	SaveKeyResult(ctx context.Context, scope, key string, result []byte) error
	// DeleteKeysBefore deletes up to limit keys claimed before t, oldest
	// first, and returns how many it deleted.
	DeleteKeysBefore(ctx context.Context, t time.Time, limit int) (int, error)
}

// Reservations stores orders' reservations, one per order id (the
// reservation's idempotency key).
type Reservations interface {
	// ClaimReservations inserts new reservations (without lines), in order
	// id order, except those whose order already has one, and returns the
	// order ids it inserted; a concurrent claim of the same order waits for
	// the first to commit or roll back.
	ClaimReservations(ctx context.Context, rs []domain.Reservation) (claimed map[string]bool, err error)
	// LockReservations locks the orders' reservations in order id order and
	// returns them with their lines, by order id; orders without one are
	// left out.
	LockReservations(ctx context.Context, orderIDs []string) (map[string]domain.Reservation, error)
	// SaveReserveBatch writes what a batch of reservations decided, in one
	// round trip: the claims no call made deleted, the rows that changed
	// updated, the new reservations' lines, the stock rows that moved (locked
	// by the caller), their journal entries and the events.
	SaveReserveBatch(ctx context.Context, b domain.ReserveBatch, at time.Time, events ...Event) error
	// GetReservation reads an order's reservation with its lines.
	GetReservation(ctx context.Context, orderID string) (domain.Reservation, error)
	// UpdateReservation locks an order's reservation, applies change, saves
	// its status, expiry and finishing fields and writes the events change
	// returns, in one transaction (the caller's inside InTx); an error from
	// change changes nothing.
	UpdateReservation(ctx context.Context, orderID string, change func(*domain.Reservation) ([]outbox.Message, error)) (domain.Reservation, error)
	// UpdateDueReservation is UpdateReservation of the most overdue active
	// reservation at now that no other transaction holds, but for those in
	// skip; ok is false (and change is not called) when there is none.
	UpdateDueReservation(ctx context.Context, now time.Time, skip []uuid.UUID, change func(*domain.Reservation) ([]outbox.Message, error)) (r domain.Reservation, ok bool, err error)
}

// PurchaseOrders stores purchase orders and their lines.
type PurchaseOrders interface {
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
