package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/money"

	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// TradeStore keeps what docking did with each partner: listings pushed,
// pull cursors, pulled orders, waybills to confirm and settlement lines.
type TradeStore interface {
	// DueProducts takes, for lease, the turns of products queued for a push
	// whose time has come and that no other push holds, with the time each
	// was queued at. A taken turn is another replica's only once its push
	// is done or deferred, or the lease ran out.
	DueProducts(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]QueuedProduct, error)
	// QueueProducts queues products for a push at once.
	QueueProducts(ctx context.Context, ids []uuid.UUID, at time.Time) error
	// QueueListedProducts queues at once every product with a listing on a
	// partner that is not withdrawn.
	QueueListedProducts(ctx context.Context, at time.Time) error
	// DoneProduct dequeues a product unless it was queued again after
	// queuedAt.
	DoneProduct(ctx context.Context, q QueuedProduct) error
	// DeferProduct pushes a queued product's turn back to until.
	DeferProduct(ctx context.Context, id uuid.UUID, until time.Time) error
	// ReleaseProducts gives up the leases a round took and did not use, so
	// the next round of any replica takes those turns; a lease that is no
	// longer the one taken (run out and taken again) is left alone.
	ReleaseProducts(ctx context.Context, qs []QueuedProduct) error

	ListingsOfProduct(ctx context.Context, partnerID, productID uuid.UUID) ([]StoredListing, error)
	SaveListing(ctx context.Context, l StoredListing) error
	// PendingListings returns a partner's listings awaiting its checks,
	// those asked about longest ago (never first) first.
	PendingListings(ctx context.Context, partnerID uuid.UUID, limit int) ([]StoredListing, error)
	// SetListingStates records what the partner says of its listings, and
	// that the listings of the SKUs asked about were asked about at at:
	// those it keeps pending, or leaves out of its answer, wait their turn
	// behind the others.
	SetListingStates(ctx context.Context, partnerID uuid.UUID, asked []string, states []domain.ListingState, at time.Time) error
	ListListings(ctx context.Context, f ListingFilter) ([]StoredListing, string, error)
	// ListedPrices returns the price last pushed to a partner for each of
	// the SKUs listed there (a SKU never pushed is absent).
	ListedPrices(ctx context.Context, partnerID uuid.UUID, skuIDs []string) (map[string]money.Money, error)

	// PullState returns a partner's cursors, starting them at start the
	// first time.
	PullState(ctx context.Context, partnerID uuid.UUID, start time.Time) (PullState, error)
	SaveOrderWatermark(ctx context.Context, partnerID uuid.UUID, watermark, at time.Time) error
	// SaveReading records how far a pull has read its window of kind (a
	// Reading* constant): the window's rest, which the next pull reads
	// should this one fail. Saving the kind's watermark clears it.
	SaveReading(ctx context.Context, partnerID uuid.UUID, kind string, rest domain.Window) error
	SaveSettlementWatermark(ctx context.Context, partnerID uuid.UUID, watermark, at time.Time) error
	SavePayoutWatermark(ctx context.Context, partnerID uuid.UUID, watermark, at time.Time) error
	// RecordFailure notes a job's failure for operators and, for a rate
	// limit, keeps every job off the partner until quietUntil (zero: not).
	RecordFailure(ctx context.Context, partnerID uuid.UUID, msg string, at, quietUntil time.Time) error
	// JobsRan records a round of a partner's periodic jobs (kinds of
	// PartnerJobKinds): those that failed are failing from their first
	// failure on, those that succeeded no longer are.
	JobsRan(ctx context.Context, partnerID uuid.UUID, failed, succeeded []string) error
	// ClearOrderPull forgets the last pull times and any rate limit the
	// partner asked for, so the next round pulls: an admin's explicit ask
	// (a partner that asks again is left alone again).
	ClearOrderPull(ctx context.Context, partnerID uuid.UUID) error

	// RequestPull schedules a pull of one partner order (a partner's
	// webhook), due at once. An order with a pull pending keeps that one
	// and its due time (a backoff holds), with at as its latest request.
	RequestPull(ctx context.Context, partnerID uuid.UUID, partnerOrderID string, at time.Time) error
	// RequestHeldPulls requests a pull of up to limit of the partner's held
	// orders first seen since seenSince and not read since readBefore.
	RequestHeldPulls(ctx context.Context, partnerID uuid.UUID, at, readBefore, seenSince time.Time, limit int) (int, error)
	// DuePullRequests returns a partner's requested pulls whose time has
	// come, the longest due first.
	DuePullRequests(ctx context.Context, partnerID uuid.UUID, now time.Time, limit int) ([]PullRequest, error)
	// DonePullRequest deletes a request unless the order was requested
	// again after r.RequestedAt: that request still wants a pull.
	DonePullRequest(ctx context.Context, r PullRequest) error
	// DeferPullRequest counts a failed attempt of a request, notes its
	// error and moves its turn to until.
	DeferPullRequest(ctx context.Context, r PullRequest, until time.Time, msg string) error

	GetPulledOrder(ctx context.Context, partnerID uuid.UUID, partnerOrderID string) (PulledOrder, bool, error)
	// SavePulledOrder records a pulled order; an imported one with its
	// sub-orders, in one transaction. An order already imported stays
	// imported with its order (a second import is impossible).
	SavePulledOrder(ctx context.Context, o PulledOrder, subs []ImportedSubOrder) error
	// GetPulledOrders returns the pulled orders among ids, by partner
	// order id; ids not pulled before are left out.
	GetPulledOrders(ctx context.Context, partnerID uuid.UUID, partnerOrderIDs []string) (map[string]PulledOrder, error)
	// SavePulledOrders records pulled orders as SavePulledOrder does, all
	// in one transaction.
	SavePulledOrders(ctx context.Context, recs []PulledRecord) error
	ListPulledOrders(ctx context.Context, f PulledOrderFilter) ([]PulledOrder, string, error)
	// SubOrdersOf returns an imported partner order's sub-orders.
	SubOrdersOf(ctx context.Context, partnerID uuid.UUID, partnerOrderID string) ([]ImportedSubOrder, error)

	// DueWaybills returns waybills to confirm whose time has come.
	DueWaybills(ctx context.Context, now time.Time, limit int) ([]Waybill, error)
	SaveWaybill(ctx context.Context, w Waybill) error

	// SaveSettlementLine stores a pulled line once; a line seen before is
	// left as it is, unless it was unreadable and now reads whole (the
	// partner corrected it, read again within the window's overlap): it is
	// then stored as read, to be reconciled.
	SaveSettlementLine(ctx context.Context, l StoredLine) error
	// OpenLines returns a partner's lines not reconciled yet or missing
	// their order.
	OpenLines(ctx context.Context, partnerID uuid.UUID, limit int) ([]StoredLine, error)
	// LineSettling returns the line, other than exceptLine, that settled a
	// partner order (matched or accepted), "" when none did.
	LineSettling(ctx context.Context, partnerID uuid.UUID, partnerOrderID, exceptLine string) (string, error)
	// SaveLineState records a line's reconciliation while the line is
	// still open (new or missing), and reports whether it did: a line an
	// operator resolved meanwhile keeps the operator's resolution, and a
	// line matched while another line of its order settled it meanwhile
	// stays open (one line settles an order).
	SaveLineState(ctx context.Context, l StoredLine) (bool, error)
	// UncreditedLines returns a partner's matched and accepted lines that
	// finance has not confirmed crediting yet, the longest waiting first,
	// those finance refused (MarkLineCreditRefused) after the others.
	UncreditedLines(ctx context.Context, partnerID uuid.UUID, limit int) ([]StoredLine, error)
	// MarkLineCredited notes that every part of a line was credited.
	MarkLineCredited(ctx context.Context, partnerID uuid.UUID, lineID string, at time.Time) error
	// MarkLineCreditRefused notes that finance refused a line's credit for
	// good at at: UncreditedLines returns it after the lines never refused,
	// and after those refused before it.
	MarkLineCreditRefused(ctx context.Context, partnerID uuid.UUID, lineID string, at time.Time) error
	// GetLine returns one of a partner's lines; a line the partner does not
	// have is an apperr NotFound error.
	GetLine(ctx context.Context, partnerID uuid.UUID, lineID string) (StoredLine, error)
	// UpdateLine applies change to one of a partner's lines under its row
	// lock and saves its state and resolution, in one transaction; the
	// round's SaveLineState waits for it. A line the partner does not have
	// is an apperr NotFound error; an error from change saves nothing; a
	// change making it a second line to settle its order is
	// ErrOrderAlreadySettled.
	UpdateLine(ctx context.Context, partnerID uuid.UUID, lineID string, change func(*StoredLine) error) (StoredLine, error)
	ListLines(ctx context.Context, f LineFilter) ([]StoredLine, string, error)

	// SavePayout stores a pulled payout once; a payout seen before is left
	// as it is (recorded or not), unless it was kept unreadable, no operator
	// dismissed it, and p reads whole: it is then stored as read.
	SavePayout(ctx context.Context, p StoredPayout) error
	// UnrecordedPayouts returns a partner's payouts read whole and not yet
	// recorded in finance, the oldest first.
	UnrecordedPayouts(ctx context.Context, partnerID uuid.UUID, limit int) ([]StoredPayout, error)
	// SavePayoutRecord notes finance's answer for a payout: recorded at
	// recordedAt with the part finance booked unallocated, or refused with
	// msg (recordedAt nil). A payout recorded stays as first recorded.
	SavePayoutRecord(ctx context.Context, partnerID uuid.UUID, payoutID string, recordedAt *time.Time, unallocated int64, msg string) error
	// ResolvePayout sets an operator's resolution on an unrecorded payout
	// without one, a dismissal of an unreadable payout or a recording of
	// one read whole, and returns the payout. Dismissing a payout read
	// whole is domain.ErrPayoutReadable, recording an unreadable one
	// domain.ErrPayoutUnreadable; a payout resolved before is returned as
	// it is; one recorded without a resolution is domain.ErrPayoutRecorded;
	// one the partner does not have is NotFound.
	ResolvePayout(ctx context.Context, partnerID uuid.UUID, payoutID string, dismiss bool, r PayoutResolution) (StoredPayout, error)
	// GetPayout returns one of a partner's payouts, or NotFound.
	GetPayout(ctx context.Context, partnerID uuid.UUID, payoutID string) (StoredPayout, error)
	// ListPayouts returns a page of a partner's payouts, the latest paid
	// first.
	ListPayouts(ctx context.Context, f PayoutFilter) ([]StoredPayout, string, error)

	// Activity reads what docking did with a partner lately; a partner
	// without a pull state gets one starting at start, as PullState does.
	Activity(ctx context.Context, partnerID uuid.UUID, start time.Time) (Activity, error)
	// WithPartnerLock runs fn when no other replica runs job for the
	// partner, and skips it (ran false) when one does.
	WithPartnerLock(ctx context.Context, partnerID uuid.UUID, job string, fn func(context.Context) error) (ran bool, err error)
}

// QueuedProduct is a product waiting to be pushed.
type QueuedProduct struct {
	ProductID uuid.UUID
	QueuedAt  time.Time
	// LeasedUntil is when the lease this round took on the turn ends.
	LeasedUntil time.Time
}

// StoredListing is a listing and what the partner said of it.
type StoredListing struct {
	PartnerID uuid.UUID
	domain.Listing
	PartnerListingID string
	Status           domain.ListingStatus
	Reasons          []string
	Fingerprint      []byte
	PushedAt         *time.Time
	UpdatedAt        time.Time
	LastError        string
}

// ListingFilter narrows ListListings; zero fields match all.
type ListingFilter struct {
	PartnerID, ProductID, SupplierID uuid.UUID
	Status                           domain.ListingStatus
	Page                             string
	Limit                            int
}

// PullState is a partner's pull cursors and its jobs' last failure.
type PullState struct {
	PartnerID            uuid.UUID
	Watermark            time.Time
	LastPullAt           *time.Time
	SettlementWatermark  time.Time
	LastSettlementPullAt *time.Time
	PayoutWatermark      time.Time
	LastPayoutPullAt     *time.Time
	LastError            string
	LastErrorAt          *time.Time
	QuietUntil           *time.Time
	// Readings are the rests of the windows failed pulls read part of, by
	// kind (a Reading* constant).
	Readings map[string]domain.Window
}

// Reading is the rest of the window of kind a failed pull read part of,
// nil when none was.
func (s PullState) Reading(kind string) *domain.Window {
	if w, ok := s.Readings[kind]; ok {
		return &w
	}
	return nil
}

// PullRequest is a pull of one partner order a partner's webhook asked
// for.
type PullRequest struct {
	PartnerID      uuid.UUID
	PartnerOrderID string
	// RequestedAt is when the latest notification of the order arrived.
	RequestedAt time.Time
	DueAt       time.Time
	Attempts    int
	LastError   string
}

// Pulled order states.
const (
	PulledImported = "imported"
	PulledWaiting  = "waiting"
	PulledHeld     = "held"
)

// PulledOrder is a partner order as pulled, and what docking did with it.
type PulledOrder struct {
	PartnerID        uuid.UUID
	PartnerOrderID   string
	State            string
	PartnerStatus    string
	OrderID          *uuid.UUID
	Problem          string
	Raw              []byte
	PartnerUpdatedAt time.Time
	FirstSeenAt      time.Time
	UpdatedAt        time.Time
	// Terms are the partner's terms when the order was imported, which its
	// settlement line is reconciled against; nil for an order not imported,
	// or imported before they were kept (the partner's terms now apply).
	Terms *domain.Terms
	// BelowListing are the lines the partner sold below the price we listed
	// them at, found when the order was imported (a promotion of the
	// partner's, which the supplier's credit bears).
	BelowListing []domain.PriceGap
}

// PulledOrderFilter narrows ListPulledOrders.
type PulledOrderFilter struct {
	PartnerID uuid.UUID
	State     string
	// BelowListingOnly keeps the orders sold below our listed prices.
	BelowListingOnly bool
	Page             string
	Limit            int
}

// ImportedSubOrder is a local sub-order of an imported partner order, with
// the partner's item ids of its goods.
type ImportedSubOrder struct {
	domain.SettledSubOrder
	ItemIDs []string
}

// PulledRecord is a pulled order to record, with its local sub-orders when
// it was imported.
type PulledRecord struct {
	Order     PulledOrder
	SubOrders []ImportedSubOrder
}

// Waybill is a shipped sub-order's waybill to confirm to its partner.
type Waybill struct {
	SubOrderID     uuid.UUID
	PartnerCode    string
	PartnerOrderID string
	CarrierCode    string
	Waybill        string
	QueuedAt       time.Time
	DueAt          time.Time
	Attempts       int
	ConfirmedAt    *time.Time
	Already        bool
	Held           bool
	LastError      string
}

// Settlement line states besides the reconciled ones: new lines are not
// reconciled yet.
const LineNew domain.SettlementState = "new"

// StoredLine is a pulled settlement line, its reconciliation and, once an
// operator resolved it, the resolution.
type StoredLine struct {
	PartnerID uuid.UUID
	domain.SettlementLine
	State    domain.SettlementState
	OrderID  *uuid.UUID
	Expected domain.Expected
	// Resolution is the operator's, for accepted and dismissed lines.
	Resolution   *domain.LineResolution
	FirstSeenAt  time.Time
	ReconciledAt *time.Time
	// CreditedAt is when finance confirmed every part of a matched or
	// accepted line; nil while a credit is still due.
	CreditedAt *time.Time
}

// StoredPayout is a pulled payout and whether finance recorded it: a
// payout finance refused (our virtual account does not hold it yet) keeps
// RecordedAt nil and the refusal in LastError until a later round records
// it. One with Problems is unreadable and never recorded.
type StoredPayout struct {
	PartnerID uuid.UUID
	domain.Payout
	FirstSeenAt time.Time
	RecordedAt  *time.Time
	LastError   string
	// Resolution is an operator's decision to record the payout beyond
	// what was credited, or to dismiss an unreadable one; nil until then.
	Resolution *PayoutResolution
	// Unallocated is the part finance booked to the partner's unallocated
	// receipts when it recorded a resolved payout.
	Unallocated int64
}

// PayoutResolution is the audit record of an operator's decision on a
// payout: why, who, when.
type PayoutResolution struct {
	Note string
	By   string
	At   time.Time
}

// State is the payout's state as operators see it.
func (p StoredPayout) State() string {
	switch {
	case p.RecordedAt != nil:
		return PayoutRecorded
	case len(p.Problems) == 0:
		return PayoutWaiting
	case p.Resolution == nil:
		return PayoutUnreadable
	default:
		return PayoutDismissed
	}
}

// Payout states as operators see them.
const (
	// PayoutRecorded payouts are withdrawals in finance.
	PayoutRecorded = "recorded"
	// PayoutWaiting payouts are not recorded yet: finance refused them (our
	// virtual account does not hold them: lines not credited yet), or
	// nobody asked it yet.
	PayoutWaiting = "waiting"
	// PayoutUnreadable payouts could not be read whole (Problems): never
	// recorded, read again every round.
	PayoutUnreadable = "unreadable"
	// PayoutDismissed payouts are unreadable ones an operator dismissed.
	PayoutDismissed = "dismissed"
)

// PayoutFilter narrows ListPayouts; an empty State lists every state.
type PayoutFilter struct {
	PartnerID uuid.UUID
	State     string
	Page      string
	Limit     int
}

// LineFilter narrows ListLines.
type LineFilter struct {
	PartnerID uuid.UUID
	State     domain.SettlementState
	Page      string
	Limit     int
}

// Activity is docking's recent work with a partner.
type Activity struct {
	PullState
	Listings          map[domain.ListingStatus]int64
	OrdersImported    int64
	OrdersHeld        int64
	WaybillsPending   int64
	LinesUnreconciled int64
	// LinesUncredited are matched or accepted lines whose credit finance
	// has not confirmed yet.
	LinesUncredited int64
	// PayoutsUnrecorded are payouts finance has not recorded yet.
	PayoutsUnrecorded int64
}

// Catalog reads what a push needs from the catalogue.
type Catalog interface {
	// Product returns what decides a product's push, its supplier and its
	// SKUs' own codes by SKU id; a product that no longer exists is an
	// apperr NotFound error.
	Product(ctx context.Context, id uuid.UUID) (CatalogProduct, error)
	// Content returns a listed product's text in locale, its SKUs' prices,
	// availability and weights.
	Content(ctx context.Context, id uuid.UUID, locale string) (CatalogContent, error)
	// ListedProducts returns a page of the products on sale.
	ListedProducts(ctx context.Context, page string) ([]uuid.UUID, string, error)
}

// CatalogProduct is a product as a push sees it.
type CatalogProduct struct {
	ID         uuid.UUID
	SupplierID uuid.UUID
	Facts      domain.ProductFacts
	// SKUCodes are the supplier's own codes by SKU id.
	SKUCodes map[string]string
}

// CatalogContent is a listed product in one locale.
type CatalogContent struct {
	Locale      string
	Title       string
	Description string
	Images      []string
	Attributes  map[string]string
	SKUs        []CatalogSKU
}

// CatalogSKU is one SKU's offer.
type CatalogSKU struct {
	ID        string
	Specs     map[string]string
	Price     money.Money
	Available int64
	WeightG   int64
}

// Orders places partner orders as local orders.
type Orders interface {
	// PlaceExternal places paid partner orders (at most MaxPlacePerCall),
	// each answered on its own in the order given; idempotent on channel and
	// partner order id (a repeat answers the first order). An error of the
	// call itself leaves every order's fate unknown.
	PlaceExternal(ctx context.Context, in []ExternalOrder) ([]Placing, error)
	// CancelExternal cancels the local order of a partner order its buyer
	// cancelled on the partner: stock released, any booked parcel
	// cancelled. Cancelling a cancelled order changes nothing; one whose
	// goods shipped is refused (FailedPrecondition).
	CancelExternal(ctx context.Context, orderID uuid.UUID, reason string) error
}

// MaxPlacePerCall is the most partner orders one PlaceExternal call takes
// (orders' PlaceExternalOrders bound).
const MaxPlacePerCall = 100

// Placing is one partner order's answer: the local order, or its refusal.
type Placing struct {
	Order PlacedOrder
	Err   error
}

// ExternalOrder is a partner's paid order for PlaceExternal.
type ExternalOrder struct {
	Channel         string
	ExternalOrderID string
	BuyerRef        string
	Lines           []domain.OrderLine
	Address         *domain.Address
	// ExistingOnly only looks the order up: the local order placed before
	// for it, or NotFound, and nothing is placed.
	ExistingOnly bool
}

// PlacedOrder is the local order placed for a partner order.
type PlacedOrder struct {
	OrderID   uuid.UUID
	SubOrders []PlacedSubOrder
}

// PlacedSubOrder is one of its sub-orders.
type PlacedSubOrder struct {
	domain.SettledSubOrder
	SKUIDs []string
}

// Finance credits matched and accepted settlement lines to our virtual
// account at a partner and records the partner's payouts out of it.
type Finance interface {
	// CreditPartnerSettlement books one sub-order's part of a line;
	// idempotent on the partner and the part's line id.
	CreditPartnerSettlement(ctx context.Context, partnerID uuid.UUID, currency string, c domain.SupplierCredit) error
	// RecordPartnerWithdrawal records a payout as a withdrawal from the
	// virtual account; idempotent on the partner and payout id. More than
	// the account holds is an apperr FailedPrecondition with reason
	// CREDITS_EXCEED_DEBITS, and nothing is recorded, unless
	// excessUnallocated: then the excess is booked to the partner's
	// unallocated receipts, and unallocated says how much.
	RecordPartnerWithdrawal(ctx context.Context, partnerID uuid.UUID, payoutID string, amount money.Money, excessUnallocated bool) (unallocated int64, err error)
}

// Timing is how often docking's jobs run and how they read partners.
type Timing struct {
	// Round is how often the jobs look for work.
	Round time.Duration
	// RoundGap is the least time from one round's start to a round an
	// event asked for: events closer together share it.
	RoundGap time.Duration
	// PullEvery is how often each partner's orders are pulled.
	PullEvery time.Duration
	// SettleEvery is how often each partner's settlements are pulled.
	SettleEvery time.Duration
	// Pull is the order window's lag and overlap.
	Pull domain.PullTiming
	// Lookback is where a new partner's first pull starts, before its
	// verification.
	Lookback time.Duration
	// Retry is how long a failed waybill or push waits.
	Retry time.Duration
}

// Trade runs docking's jobs with partners: product push, order pull,
// waybill return, settlement pull and reconciliation; and the operators'
// views of them.
type Trade struct {
	partners   Store
	store      TradeStore
	connectors map[domain.Protocol]Connector
	catalog    Catalog
	orders     Orders
	finance    Finance
	timing     Timing
	log        *slog.Logger
	now        func() time.Time
	// sleep waits out a partner's short rate limit (tests pass simulated
	// time instead).
	sleep func(context.Context, time.Duration) error
	// wake nudges the jobs to run a round now.
	wake chan struct{}
	// pushBudget is how long a push round's calls may run, inside the
	// lease on its products (pushLease).
	pushBudget time.Duration
	// supply docks the supply platforms in the same rounds (nil: none).
	supply *Supply
	// dockable is the verified partners of the last round with their push
	// terms (nil before the first): one that joins them, or whose terms
	// changed, gets every listed product queued. Only Round touches it, one
	// round at a time.
	dockable map[uuid.UUID]string
}

// WithSupply runs the supply platforms' jobs in every round.
func (t *Trade) WithSupply(s *Supply) *Trade { t.supply = s; return t }

// Supply returns the supply platforms' use cases (nil: none docked).
func (t *Trade) Supply() *Supply { return t.supply }

// NewTrade returns the jobs over their stores, connectors and peers.
func NewTrade(partners Store, store TradeStore, connectors map[domain.Protocol]Connector, catalog Catalog, orders Orders, finance Finance, timing Timing, log *slog.Logger) *Trade {
	return &Trade{partners: partners, store: store, connectors: connectors, catalog: catalog, orders: orders, finance: finance,
		timing: timing, log: log, now: time.Now, sleep: sleepFor, wake: make(chan struct{}, 1), pushBudget: pushLease - pushLease/10}
}

// SetPushBudget replaces how long a push round's calls may run (tests).
func (t *Trade) SetPushBudget(d time.Duration) { t.pushBudget = d }

// SetClock replaces the clock (tests).
func (t *Trade) SetClock(now func() time.Time) { t.now = now }

// SetSleep replaces how the jobs wait out a partner's short rate limit
// (tests on a simulated clock advance it instead).
func (t *Trade) SetSleep(sleep func(context.Context, time.Duration) error) { t.sleep = sleep }

func (t *Trade) clock() time.Time { return t.now().UTC().Truncate(time.Microsecond) }

// Nudge asks for a round now.
func (t *Trade) Nudge() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// OneAtATime is Orders over a function placing one partner order per
// call: each order of a batch is placed in turn and answered on its own.
type OneAtATime func(ctx context.Context, in ExternalOrder) (PlacedOrder, error)

// PlaceExternal places each order with f.
func (f OneAtATime) PlaceExternal(ctx context.Context, in []ExternalOrder) ([]Placing, error) {
	out := make([]Placing, len(in))
	for i, o := range in {
		out[i].Order, out[i].Err = f(ctx, o)
	}
	return out, nil
}
