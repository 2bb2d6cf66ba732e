// Package app holds the orders service's use cases: the buyer's cart,
// checkout, payment, the sub-orders' fulfilment and settlement, and the
// saga that carries an order through them. Each command checks who may call
// it, validates its input before writing anything, and runs its writes in
// one transaction together with the saga's next steps (tasks) and the
// events it emits; the tasks then run the remote commands, each idempotent
// on its key, so a crash at any point resumes from what is stored.
package app

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// Store is the orders database.
type Store interface {
	Repository
	// InTx runs fn in a transaction and commits it when fn returns nil.
	InTx(ctx context.Context, fn func(Repository) error) error
	// WriteAtVersion sends w (its Order set) in one round trip outside a
	// transaction if nothing wrote the order since it read version; false,
	// nothing written, when something did.
	WriteAtVersion(ctx context.Context, version int64, w Writes) (bool, error)
	// ClaimTasks leases up to limit due tasks for lease: another replica
	// sees them again only after it, so a crashed one's tasks come back.
	ClaimTasks(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Task, error)
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

	// InsertOrder stores a new order with its sub-orders; false when an
	// order with its id exists already (a retried checkout).
	InsertOrder(ctx context.Context, o domain.Order) (bool, error)
	// GetOrder returns an order with its sub-orders, locked for the
	// transaction when lock is set; NotFound when there is none.
	GetOrder(ctx context.Context, id uuid.UUID, lock bool) (domain.Order, error)
	// PaymentStatus returns an order's status and when a payer last started
	// paying it (nil if none did), unlocked; NotFound when there is none.
	PaymentStatus(ctx context.Context, id uuid.UUID) (domain.Status, *time.Time, error)
	// GetOrders returns the orders among ids that exist, by id.
	GetOrders(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]domain.Order, error)
	// OrderOf returns the id of a sub-order's order; NotFound when unknown.
	OrderOf(ctx context.Context, subOrderID uuid.UUID) (uuid.UUID, error)
	// SaveOrder writes an order's and its sub-orders' changed state.
	SaveOrder(ctx context.Context, o domain.Order) error
	// SaveOrderRow writes the order's own state only, for a change that
	// leaves its sub-orders as they are.
	SaveOrderRow(ctx context.Context, o domain.Order) error
	// SaveOrderRowAtVersion is SaveOrderRow on the condition that nothing wrote
	// the order since it read o.Version; false, nothing written, when
	// something did.
	SaveOrderRowAtVersion(ctx context.Context, o domain.Order) (bool, error)
	// ListOrders returns a buyer's orders, or (merchant set) a merchant's,
	// newest first, after the cursor.
	ListOrders(ctx context.Context, buyerID string, merchant uuid.UUID, after *OrderCursor, limit int) ([]domain.Order, error)
	// ListSupplierSubOrders returns a supplier's paid sub-orders newest
	// first, after the cursor, with their orders (without other suppliers'
	// sub-orders).
	ListSupplierSubOrders(ctx context.Context, supplierID uuid.UUID, statuses []domain.Status, after *OrderCursor, limit int) ([]domain.Order, error)
	// AppendChanges adds entries to the change log.
	AppendChanges(ctx context.Context, changes []domain.Change) error
	// ListChanges returns an order's change log, oldest first.
	ListChanges(ctx context.Context, orderID uuid.UUID) ([]domain.Change, error)

	// Schedule adds tasks, or moves an existing one's due time.
	Schedule(ctx context.Context, tasks ...Task) error
	// Unschedule removes a task if it exists.
	Unschedule(ctx context.Context, kind TaskKind, subject uuid.UUID) error
	// FinishTasks removes tasks that ran (one not scheduled again
	// meanwhile); RetryTask makes one that failed due again, noting the
	// cause and, at its first failure, since when it fails; PostponeTask
	// makes one that must wait due later, not failing; HandBackTask makes
	// one claimed but not run due at until, as it was before the claim
	// (its attempts, and its failure if it was failing).
	FinishTasks(ctx context.Context, tasks ...Task) error
	RetryTask(ctx context.Context, t Task, due time.Time, cause string) error
	PostponeTask(ctx context.Context, t Task, until time.Time) error
	HandBackTask(ctx context.Context, t Task, until time.Time) error

	// Emit writes events to the outbox in the transaction.
	Emit(ctx context.Context, events ...Event) error
	// Write sends a command's writes that need no answer in one round
	// trip (see Writes).
	Write(ctx context.Context, w Writes) error

	AfterSaleRepository
	CouponRepository
}

// Event is a fact to publish once the transaction commits.
type Event = outbox.Message

// Writes are a command's writes that need no answer, sent together and in
// this order: the order's state and its sub-orders' (SaveOrder), change log
// entries (AppendChanges), steps removed by kind and subject (Unschedule),
// steps scheduled (Schedule) and events (Emit). A failure of any fails the
// transaction.
type Writes struct {
	Order      *domain.Order
	Changes    []domain.Change
	Unschedule []Task
	Schedule   []Task
	Events     []Event
}

// OrderCursor is where a page of orders (or campaigns, or coupons) ends:
// the last row's sort key.
type OrderCursor struct {
	At time.Time `json:"at"`
	ID uuid.UUID `json:"id"`
}

// Valid tells a decoded cursor is one a page could end at.
func (c OrderCursor) Valid() bool { return c.ID != uuid.Nil && !c.At.IsZero() }

// Catalog resolves SKUs as they are now.
type Catalog interface {
	// SKUs returns the known SKUs among ids.
	SKUs(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]domain.SKU, error)
	// MerchantSKUs returns them priced at the merchant's tier cost price,
	// NoTierPrice set where the tier has none.
	MerchantSKUs(ctx context.Context, ids []uuid.UUID, merchant uuid.UUID) (map[uuid.UUID]domain.SKU, error)
}

// Config is the saga's timing.
type Config struct {
	// PaymentTimeout is how long a placed order waits for payment.
	PaymentTimeout time.Duration
	// FulfilmentHold is how long a paid order's stock stays reserved for
	// its supplier to ship.
	FulfilmentHold time.Duration
	// AutoComplete is how long after delivery a sub-order completes unless
	// the buyer confirms first.
	AutoComplete time.Duration
	// PaymentSettle is how long after a payment was started the deadline
	// waits before asking finance whether it went through.
	PaymentSettle time.Duration
	// AfterSaleWindow is how long after delivery a buyer may ask for a
	// return or an exchange.
	AfterSaleWindow time.Duration
	// ReturnReceipt is how long after the carrier delivered a return
	// parcel to its supplier the goods count as received (not restocked)
	// unless the supplier confirmed them first.
	ReturnReceipt time.Duration
	// ReturnSendBy is how long after approval a request's goods may be
	// sent back: past it, a return parcel the carrier never picked up is
	// cancelled and the request expires.
	ReturnSendBy time.Duration
	// ExternalDelivery is how long after an external shipment (a parcel
	// booked outside our logistics, which nobody tracks for us) it counts
	// as delivered unless the buyer confirms receipt first.
	ExternalDelivery time.Duration
	// QuoteReuse is how long an FX quote prices further checkouts of its
	// currency pair (0: one quote per checkout). Its rate is locked this
	// much longer, so each order keeps its full lock.
	QuoteReuse time.Duration
}

// Peers are the services orders calls.
type Peers struct {
	Catalog   Catalog
	Inventory Inventory
	Users     Users
	Freight   Freight
	Finance   Finance
	Logistics Logistics
}

// Service runs the use cases.
type Service struct {
	store Store
	Peers
	cfg Config
	now func() time.Time
	// wake nudges the task runner after a command scheduled work due now.
	wake chan struct{}
	// quotes are the FX quotes checkouts share.
	quotes *quoteBook
}

// New returns the use cases.
func New(store Store, peers Peers, cfg Config) *Service {
	if cfg.PaymentTimeout <= 0 {
		cfg.PaymentTimeout = 30 * time.Minute
	}
	if cfg.FulfilmentHold <= 0 {
		cfg.FulfilmentHold = 30 * 24 * time.Hour
	}
	if cfg.AutoComplete <= 0 {
		cfg.AutoComplete = 7 * 24 * time.Hour
	}
	if cfg.PaymentSettle <= 0 {
		cfg.PaymentSettle = time.Minute
	}
	if cfg.AfterSaleWindow <= 0 {
		cfg.AfterSaleWindow = domain.AfterSaleWindow
	}
	if cfg.ExternalDelivery <= 0 {
		cfg.ExternalDelivery = 15 * 24 * time.Hour
	}
	if cfg.ReturnReceipt <= 0 {
		cfg.ReturnReceipt = 7 * 24 * time.Hour
	}
	if cfg.ReturnSendBy <= 0 {
		cfg.ReturnSendBy = 14 * 24 * time.Hour
	}
	return &Service{store: store, Peers: peers, cfg: cfg, now: time.Now, wake: make(chan struct{}, 1),
		quotes: &quoteBook{byPair: map[[2]string]bookedQuote{}}}
}

// SetClock replaces the clock (tests move time forward).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// clock returns the current time at microsecond precision, as PostgreSQL
// stores it.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// nudge wakes the task runner without waiting.
func (s *Service) nudge() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}
