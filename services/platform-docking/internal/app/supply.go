package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// SupplyStore keeps the supply platforms and what docking did with them:
// the import cursor, the products imported and their SKUs' codes, and the
// purchase orders placed for our sub-orders.
type SupplyStore interface {
	// CreateSupplyPlatform stores a platform with its secrets sealed; a
	// taken code or supplier organization is AlreadyExists.
	CreateSupplyPlatform(ctx context.Context, p domain.SupplyPlatform) error
	GetSupplyPlatform(ctx context.Context, id uuid.UUID) (domain.SupplyPlatform, error)
	ListSupplyPlatforms(ctx context.Context) ([]domain.SupplyPlatform, error)
	// UpdateSupplyPlatform locks the platform, applies change and saves it
	// with its secrets sealed again, in one transaction; an error from
	// change saves nothing.
	UpdateSupplyPlatform(ctx context.Context, id uuid.UUID, change func(*domain.SupplyPlatform) error) (domain.SupplyPlatform, error)
	// SupplyAccountsInUse returns the platform accounts its purchase orders
	// still need: queued ones already sent (their account is fixed), placed
	// ones still followed, and held ones an operator may retry.
	SupplyAccountsInUse(ctx context.Context, id uuid.UUID) (map[string]bool, error)

	SupplyState(ctx context.Context, id uuid.UUID) (SupplyState, error)
	SaveImportWatermark(ctx context.Context, id uuid.UUID, watermark, at time.Time) error
	SaveStockSync(ctx context.Context, id uuid.UUID, at time.Time) error
	// RecordSupplyFailure notes a job's failure for operators and, for a
	// rate limit, keeps every job off the platform until quietUntil (zero:
	// not).
	RecordSupplyFailure(ctx context.Context, id uuid.UUID, msg string, at, quietUntil time.Time) error

	// SupplyProducts returns the imported records among the platform's
	// product ids.
	SupplyProducts(ctx context.Context, platformID uuid.UUID, ids []string) (map[string]SupplyProductRecord, error)
	// SupplyProductOf returns the supply product, of any platform,
	// recorded as imported into the catalogue product id; found is false
	// when none is.
	SupplyProductOf(ctx context.Context, productID uuid.UUID) (rec SupplyProductRecord, found bool, err error)
	// SaveSupplyProduct records an import with its SKUs (catalogue SKU id by
	// platform code), in one transaction. A record with Deferred content is
	// deferred from its first deferral on (DeferredSince is the store's);
	// one without is not deferred.
	SaveSupplyProduct(ctx context.Context, r SupplyProductRecord, skus map[string]uuid.UUID) error
	// SubmittedSupplyProducts returns imports waiting for their first
	// approval, those checked longest ago (never first) first.
	SubmittedSupplyProducts(ctx context.Context, platformID uuid.UUID, limit int) ([]SupplyProductRecord, error)
	// ApprovalChecked records that the imports were checked for their
	// approval at at: those still waiting (in review, rejected, deleted)
	// take their turn behind the others rather than holding them up.
	ApprovalChecked(ctx context.Context, platformID uuid.UUID, platformProductIDs []string, at time.Time) error
	// DeferredSupplyProducts returns the products whose newer content waits
	// for a review to end, those looked at least recently first.
	DeferredSupplyProducts(ctx context.Context, platformID uuid.UUID, limit int) ([]SupplyProductRecord, error)
	// SupplyJobsRan records a round of a platform's periodic jobs (kinds of
	// SupplyJobKinds): each job that failed is failing from its first
	// failure on, each that succeeded no longer is.
	SupplyJobsRan(ctx context.Context, id uuid.UUID, failed, succeeded []string) error
	// ImportedSKUCodes returns the platform codes docking imported, by
	// code, with their catalogue SKU ids.
	ImportedSKUCodes(ctx context.Context, platformID uuid.UUID) (map[string]uuid.UUID, error)

	// WithSupplyLock runs fn when no other replica runs the supply jobs;
	// ran is false when one does, and fn did not run. Its purchase orders
	// are read, placed and saved by one replica at a time: two placing one
	// order at once could each send it under another account.
	WithSupplyLock(ctx context.Context, fn func(context.Context) error) (ran bool, err error)
	// DueSupplyOrders returns queued orders to place and placed ones to
	// track whose time has come, of the platforms given only: those asking
	// us to wait would otherwise fill every batch with orders skipped.
	DueSupplyOrders(ctx context.Context, now time.Time, limit int, platforms []uuid.UUID) ([]SupplyOrder, error)
	// GetSupplyOrder returns one of a platform's orders; NotFound when the
	// platform has no such sub-order.
	GetSupplyOrder(ctx context.Context, platformID, subOrderID uuid.UUID) (SupplyOrder, error)
	// RequeueHeldSupplyOrder puts a held order back to work, due at now:
	// placed again when it has no platform order, tracked again when it has.
	// requeued is false (and nothing changes) when it was not held.
	RequeueHeldSupplyOrder(ctx context.Context, platformID, subOrderID uuid.UUID, now time.Time) (o SupplyOrder, requeued bool, err error)
	SaveSupplyOrder(ctx context.Context, o SupplyOrder) error
	ListSupplyOrders(ctx context.Context, f SupplyOrderFilter) ([]SupplyOrder, string, error)
	// ListSupplyProducts returns one page of a platform's product records,
	// most recently changed first, and the next page's token.
	ListSupplyProducts(ctx context.Context, f SupplyProductFilter) ([]SupplyProductRecord, string, error)
	SupplyActivity(ctx context.Context, id uuid.UUID) (SupplyActivity, error)
}

// SupplyState is a platform's import cursor and its jobs' last runs.
type SupplyState struct {
	ImportWatermark *time.Time
	LastImportAt    *time.Time
	LastStockSyncAt *time.Time
	LastError       string
	LastErrorAt     *time.Time
	QuietUntil      *time.Time
}

// SupplyActivity is what operators see of a platform.
type SupplyActivity struct {
	SupplyState
	ProductsImported int64
	// ProductsWaitingForReview have newer content deferred until the review
	// of their previous revision ends.
	ProductsWaitingForReview int64
	// ProductsRefused have content the catalogue refused, offered again
	// each round.
	ProductsRefused int64
	OrdersQueued    int64
	OrdersPlaced    int64
	OrdersHeld      int64
}

// Supply product states.
const (
	SupplySubmitted = "submitted"
	SupplyListed    = "listed"
	SupplySkipped   = "skipped"
)

// SupplyProductRecord is a platform product and what it became.
type SupplyProductRecord struct {
	PlatformID        uuid.UUID
	PlatformProductID string
	ProductID         uuid.UUID
	// Fingerprint is the content last given to the catalogue; empty when
	// docking does not know which content a revision under review holds
	// (its first submission's record was lost and the platform changed it
	// since).
	Fingerprint string
	State       string
	Problem     string
	// Deferred is newer content from the platform that the catalogue could
	// not take yet: the product's revision waits for review, or (Problem
	// says why) the catalogue refused it. The import job gives it to the
	// catalogue again each round.
	Deferred *domain.ImportedProduct
	// DeferredSince is when the product's changes first waited for a
	// review, kept while newer content replaces the deferred one.
	DeferredSince *time.Time
	UpdatedAt     time.Time
}

// Supply order states.
const (
	SupplyQueued  = "queued"
	SupplyPlaced  = "placed"
	SupplyShipped = "shipped"
	SupplyHeld    = "held"
	// SupplyCancelled: the sub-order was cancelled here and the platform's
	// order cancelled there, or never placed.
	SupplyCancelled = "cancelled"
)

// SupplyOrder is one of our sub-orders to place (or placed) with a supply
// platform.
type SupplyOrder struct {
	SubOrderID      uuid.UUID
	PlatformID      uuid.UUID
	OrderID         uuid.UUID
	MerchantOrgID   uuid.UUID
	Lines           []domain.PaidLine
	AccountID       string
	State           string
	PlatformOrderID string
	PlatformStatus  string
	CarrierCode     string
	Waybill         string
	Attempts        int
	DueAt           time.Time
	Problem         string
	QueuedAt        time.Time
	PlacedAt        *time.Time
	UpdatedAt       time.Time
	// CancelRequestedAt is when orders cancelled the sub-order
	// (orders.sub_order.cancelled): the platform's order, placed or
	// perhaps placed, is to be cancelled there. Only the event's consumer
	// writes it; saving the order leaves it as it is.
	CancelRequestedAt *time.Time
}

// SupplyOrderFilter narrows ListSupplyOrders.
type SupplyOrderFilter struct {
	PlatformID uuid.UUID
	State      string
	Page       string
	Limit      int
}

// SupplyProductFilter narrows ListSupplyProducts.
type SupplyProductFilter struct {
	PlatformID uuid.UUID
	// WithProblem keeps only the products with a problem.
	WithProblem bool
	Page        string
	Limit       int
}

// SupplyClient talks to a supply platform's API, once per call; retries
// and pacing are docking's. Errors as the partner connectors': an apperr
// Unavailable error for a platform unreachable or answering 5xx, a
// *RateLimited, anything else the platform refusing the call.
type SupplyClient interface {
	// Products returns a page of the products updated at or after since,
	// oldest first, read with the default account; cursor is the previous
	// page's, empty for the first.
	Products(ctx context.Context, p domain.SupplyPlatform, since time.Time, cursor string) (SupplyProductPage, error)
	// Stock returns a page of stock levels by SKU code.
	Stock(ctx context.Context, p domain.SupplyPlatform, cursor string) (levels map[string]int64, next string, err error)
	// PlaceOrder places a purchase order under account, idempotent on ref.
	PlaceOrder(ctx context.Context, p domain.SupplyPlatform, account domain.SupplyAccount, ref string, lines []domain.PurchaseLine) (PurchaseOrder, error)
	// GetOrder reads a purchase order placed under account.
	GetOrder(ctx context.Context, p domain.SupplyPlatform, account domain.SupplyAccount, id string) (PurchaseOrder, error)
	// CancelOrder cancels a purchase order placed under account before it
	// ships; cancelling it again answers it as it is. A shipped order is
	// refused (FailedPrecondition).
	CancelOrder(ctx context.Context, p domain.SupplyPlatform, account domain.SupplyAccount, id string) (PurchaseOrder, error)
}

// SupplyShipments tells orders that a supplier (a supply platform, or an
// ERP's) shipped one of its sub-orders with its own carrier.
type SupplyShipments interface {
	// RecordExternalShipment marks the sub-order shipped with the
	// carrier and waybill, as the supplier, and answers it; idempotent on
	// the same waybill. A refusal (the sub-order cancelled meanwhile,
	// shipped by another parcel) is a FailedPrecondition error, another
	// supplier's sub-order NotFound.
	RecordExternalShipment(ctx context.Context, supplier, subOrderID uuid.UUID, carrierCode, waybill string) (SupplierSubOrder, error)
	// SubOrder reads a sub-order as it is now (docking reads any, as a
	// service).
	SubOrder(ctx context.Context, subOrderID uuid.UUID) (SupplierSubOrder, error)
}

// SupplyProductPage is a page of a platform's catalogue.
type SupplyProductPage struct {
	Products []domain.SupplyProduct
	Next     string
}

// PurchaseOrder is a purchase order as the platform answers it.
type PurchaseOrder struct {
	ID, AccountID, Status string
	CarrierCode, Waybill  string
}

// The platform's statuses of an order we act on: shipped, or cancelled
// (by us, or by the platform's staff).
const (
	PurchaseShipped   = "shipped"
	PurchaseCancelled = "cancelled"
)

// SupplyCatalog is the catalogue and inventory as a platform's supplier
// sees them: every call is made as the platform's ERP API client, signed
// with its key, so catalog and inventory check ownership as for any
// supplier's ERP.
type SupplyCatalog interface {
	// CreateProduct creates a draft product and answers its id and its
	// SKUs' ids by code. A SKU code the supplier already has is
	// AlreadyExists (an earlier attempt created it).
	CreateProduct(ctx context.Context, as SupplyERP, d domain.SupplyDefaults, p domain.ImportedProduct) (CatalogImport, error)
	// FindProduct finds the supplier's product holding a SKU code.
	FindProduct(ctx context.Context, as SupplyERP, skuCode string) (CatalogImport, bool, error)
	// UpdateProduct replaces the pending revision's content. A revision
	// waiting for review cannot be edited: catalog refuses it with reason
	// REVISION_UNDER_REVIEW (FailedPrecondition).
	UpdateProduct(ctx context.Context, as SupplyERP, id uuid.UUID, d domain.SupplyDefaults, p domain.ImportedProduct) (CatalogImport, error)
	// PendingRevision reads the product's pending revision back (the zero
	// PendingRevision when it has none).
	PendingRevision(ctx context.Context, as SupplyERP, id uuid.UUID) (PendingRevision, error)
	// SubmitProduct sends the pending revision to review.
	SubmitProduct(ctx context.Context, as SupplyERP, id uuid.UUID) error
	// ProductApproved says whether the product has an approved revision
	// (approved, or listed).
	ProductApproved(ctx context.Context, as SupplyERP, id uuid.UUID) (approved, listed bool, err error)
	// ListProduct puts an approved product on sale.
	ListProduct(ctx context.Context, as SupplyERP, id uuid.UUID) error
	// SyncStock sets absolute levels by SKU code in warehouse; syncID makes
	// a repeat harmless.
	SyncStock(ctx context.Context, as SupplyERP, syncID, warehouse string, levels map[string]int64) error
}

// SupplyERP is the ERP API client docking acts as for a platform's
// supplier.
type SupplyERP struct {
	ClientID string
	Key      string
}

// CatalogImport is a catalogue product made from a supply product.
type CatalogImport struct {
	ProductID uuid.UUID
	// SKUs are the catalogue SKU ids by code.
	SKUs map[string]uuid.UUID
}

// SupplyTiming is how often the supply jobs run.
type SupplyTiming struct {
	// ImportEvery and StockEvery pace the catalogue import and the stock
	// sync of each platform.
	ImportEvery, StockEvery time.Duration
	// TrackEvery is how often a placed order is read back for its waybill.
	TrackEvery time.Duration
	// Retry is the first wait after a failed placement, doubling per
	// attempt up to an hour.
	Retry time.Duration
}

// Supply docks supply platforms: the registry (admins), the catalogue
// import and stock sync, and the placement of our sub-orders with them.
type Supply struct {
	store     SupplyStore
	client    SupplyClient
	catalog   SupplyCatalog
	shipments SupplyShipments
	timing    SupplyTiming
	log       *slog.Logger
	// plaintext allows platform endpoints without TLS (development).
	plaintext bool
	now       func() time.Time
}

// SupplyOption changes a Supply's defaults.
type SupplyOption func(*Supply)

// WithPlaintextSupply lets supply platforms have http endpoints, as a
// development installation does for its simulator (the partners' setting,
// DOCKING_PARTNER_PLAINTEXT). Without it every platform must be https: its
// API keys and our purchase orders would otherwise cross the internet
// readable by anyone on the way.
func WithPlaintextSupply(allowed bool) SupplyOption { return func(s *Supply) { s.plaintext = allowed } }

// NewSupply returns the supply jobs and use cases.
func NewSupply(store SupplyStore, client SupplyClient, catalog SupplyCatalog, shipments SupplyShipments, timing SupplyTiming, log *slog.Logger, opts ...SupplyOption) *Supply {
	s := &Supply{store: store, client: client, catalog: catalog, shipments: shipments, timing: timing, log: log, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// SetClock replaces the clock (tests).
func (s *Supply) SetClock(now func() time.Time) { s.now = now }

func (s *Supply) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// CreateSupplyPlatform registers a supply platform (admins).
func (s *Supply) CreateSupplyPlatform(ctx context.Context, c auth.Caller, in domain.SupplyPlatform) (domain.SupplyPlatform, error) {
	if err := requireAdmin(c); err != nil {
		return domain.SupplyPlatform{}, err
	}
	p, err := domain.NewSupplyPlatform(uuid.New(), in, s.clock())
	if err != nil {
		return domain.SupplyPlatform{}, err
	}
	if _, err := auth.ParseRequestPrivateKey(p.ERPKey); err != nil {
		return domain.SupplyPlatform{}, errInvalidERPKey
	}
	if err := p.ValidateTransport(s.plaintext); err != nil {
		return domain.SupplyPlatform{}, err
	}
	return p, s.store.CreateSupplyPlatform(ctx, p)
}

// UpdateSupplyPlatform changes a platform's registration (admins); see
// domain.SupplyPlatform.Apply for what becomes of the accounts an edit
// replaces. The endpoint must be https where plaintext is not allowed, even
// when the edit is of another field, as for partners. The jobs read the
// registration afresh every round, so the edit applies from the next one.
func (s *Supply) UpdateSupplyPlatform(ctx context.Context, c auth.Caller, id uuid.UUID, u domain.SupplyUpdate) (domain.SupplyPlatform, error) {
	if err := requireAdmin(c); err != nil {
		return domain.SupplyPlatform{}, err
	}
	inUse, err := s.store.SupplyAccountsInUse(ctx, id)
	if err != nil {
		return domain.SupplyPlatform{}, err
	}
	now := s.clock()
	return s.store.UpdateSupplyPlatform(ctx, id, func(p *domain.SupplyPlatform) error {
		if err := p.Apply(u, func(account string) bool { return inUse[account] }, now); err != nil {
			return err
		}
		if u.ERPKey != nil {
			if _, err := auth.ParseRequestPrivateKey(p.ERPKey); err != nil {
				return errInvalidERPKey
			}
		}
		return p.ValidateTransport(s.plaintext)
	})
}

// GetSupplyPlatform returns a platform and its activity (admins).
func (s *Supply) GetSupplyPlatform(ctx context.Context, c auth.Caller, id uuid.UUID) (domain.SupplyPlatform, SupplyActivity, error) {
	if err := requireAdmin(c); err != nil {
		return domain.SupplyPlatform{}, SupplyActivity{}, err
	}
	p, err := s.store.GetSupplyPlatform(ctx, id)
	if err != nil {
		return p, SupplyActivity{}, err
	}
	a, err := s.store.SupplyActivity(ctx, id)
	return p, a, err
}

// ListSupplyPlatforms lists the platforms (admins).
func (s *Supply) ListSupplyPlatforms(ctx context.Context, c auth.Caller) ([]domain.SupplyPlatform, error) {
	if err := requireAdmin(c); err != nil {
		return nil, err
	}
	return s.store.ListSupplyPlatforms(ctx)
}

// ListSupplyOrders lists a platform's purchase orders (admins).
func (s *Supply) ListSupplyOrders(ctx context.Context, c auth.Caller, f SupplyOrderFilter) ([]SupplyOrder, string, error) {
	if err := requireAdmin(c); err != nil {
		return nil, "", err
	}
	if _, err := s.store.GetSupplyPlatform(ctx, f.PlatformID); err != nil {
		return nil, "", err
	}
	return s.store.ListSupplyOrders(ctx, f)
}

// ListSupplyProducts lists a platform's product records (admins).
func (s *Supply) ListSupplyProducts(ctx context.Context, c auth.Caller, f SupplyProductFilter) ([]SupplyProductRecord, string, error) {
	if err := requireAdmin(c); err != nil {
		return nil, "", err
	}
	if _, err := s.store.GetSupplyPlatform(ctx, f.PlatformID); err != nil {
		return nil, "", err
	}
	return s.store.ListSupplyProducts(ctx, f)
}

// ErrSupplyOrderShipped refuses retrying an order the platform shipped.
var ErrSupplyOrderShipped = apperr.FailedPrecondition("the platform shipped this order; there is nothing to retry").WithReason("SUPPLY_ORDER_SHIPPED")

// RetrySupplyOrder puts a held purchase order back to work from the next
// round (admins): an operator fixed what held it. Its account stays the
// one it was first sent under, and the sub-order id stays the platform's
// idempotency key, so an order the platform did take is not placed twice.
// A queued or placed order is answered as it is.
func (s *Supply) RetrySupplyOrder(ctx context.Context, c auth.Caller, platformID, subOrderID uuid.UUID) (SupplyOrder, error) {
	if err := requireAdmin(c); err != nil {
		return SupplyOrder{}, err
	}
	o, requeued, err := s.store.RequeueHeldSupplyOrder(ctx, platformID, subOrderID, s.clock())
	if err != nil || requeued {
		if requeued {
			s.log.Info("a held supply order was put back to work", "platform", platformID, "sub_order", subOrderID, "by", c.Subject)
		}
		return o, err
	}
	if o, err = s.store.GetSupplyOrder(ctx, platformID, subOrderID); err != nil {
		return SupplyOrder{}, err
	}
	if o.State == SupplyShipped {
		return SupplyOrder{}, ErrSupplyOrderShipped
	}
	return o, nil
}

// PaidSubOrder is a sub-order of a paid order, as orders.order.paid
// carries it.
type PaidSubOrder struct {
	SubOrderID uuid.UUID
	SupplierID uuid.UUID
	Lines      []domain.PaidLine
}
