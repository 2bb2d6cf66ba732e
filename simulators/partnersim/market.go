package partnersim

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crossdock/crossdock/simulators/jsonapi"
)

// MarketConfig configures a simulated marketplace. The zero value is a
// marketplace without lag, review delay, fees or faults.
type MarketConfig struct {
	// Now is the marketplace's clock; nil is time.Now. Tests inject one to
	// step through review, lag and settlement delays without sleeping.
	Now func() time.Time
	// VisibilityLag is how long after an order's update ListOrders starts
	// returning it, as real platforms index their order search late.
	VisibilityLag time.Duration
	// ReviewDelay is how long a new or changed listing stays pending before
	// the partner's review makes it live or rejected.
	ReviewDelay time.Duration
	// SettlementDelay is how long after every marked item of an order was
	// confirmed shipped its settlement line is booked.
	SettlementDelay time.Duration
	// FeeBps is the partner's commission on the gross, in basis points.
	FeeBps int
	// FixedFeeMinor is a fixed fee per settled order, in minor units of the
	// order's currency.
	FixedFeeMinor int64
	// PayoutEvery is how often the partner pays the seller's balance out to
	// its bank (the net of the lines booked since the last payout, one payout
	// per currency), from the market's start; 0 never does on its own (the
	// back office can still force one).
	PayoutEvery time.Duration
	// Faults are the failures to inject.
	Faults Faults
	// Seed makes every random choice reproducible for a given sequence of
	// calls; 0 seeds from the clock.
	Seed int64
	// RunTag is put in every id the market issues (orders, listings,
	// settlement lines, payouts): a real platform never issues an id twice,
	// and a market restarted beside a seller that kept its records (a mesh
	// restarted on its data) must not either. Empty: a random one per
	// process.
	RunTag string
}

// Faults are the failure-injection flags; probabilities are in [0, 1].
// Each mimics something real partners do, so the connector and docking's
// sync loops are tested against it rather than against a perfect partner.
type Faults struct {
	// RateLimit is the chance a call is refused as rate limited, asking
	// to wait RetryAfter (default 1s).
	RateLimit  float64
	RetryAfter time.Duration
	// ServerError is the chance a call fails as a server error without
	// doing anything.
	ServerError float64
	// Timeout is the chance a call hangs for TimeoutDelay before answering.
	// It hangs after doing its work, so a caller that gives up and retries
	// must be safe to retry.
	Timeout      float64
	TimeoutDelay time.Duration
	// ExtraLag is added to VisibilityLag for a share ExtraLagShare of the
	// orders (0 with ExtraLag set means 0.1): lag beyond what the partner
	// documents, which a caller's window overlap must absorb.
	ExtraLag      time.Duration
	ExtraLagShare float64
	// PageShift is the chance that, while a caller pages through ListOrders
	// (a page after the first), an order on an earlier page is updated: it
	// moves out of the window or to its end, so the offsets of the orders
	// after it shift by one and a naive pager skips an order.
	PageShift float64
	// RejectListings is the share of listings the partner's review rejects,
	// with reasons; the verdict is deterministic per marker and content.
	RejectListings float64
	// SettlementDelayJitter books settlement lines up to this much later
	// than SettlementDelay, so they arrive out of order.
	SettlementDelayJitter time.Duration
	// UnknownStatus is the share of orders reported with the undocumented
	// status 77 (FaultStatus) until ListOrders has returned them once: the
	// call that first returns such an order still shows 77, later reads
	// show its real status. A connector must hold such an order rather
	// than guess what 77 means.
	UnknownStatus float64
	// DuplicateWebhooks is the share of order notifications (webhooks to
	// Crossdock) sent twice, as at-least-once senders do.
	DuplicateWebhooks float64
	// ReorderWebhooks is the share of order notifications held back until
	// the next one was sent (or a second passed), so they arrive after
	// later changes.
	ReorderWebhooks float64
}

// The errors the marketplace answers; frontends map them to their
// protocol's codes with errors.Is.
var (
	// ErrNotFound is an unknown order or listing.
	ErrNotFound = errors.New("partnersim: not found")
	// ErrConflict is a call the object's state forbids now: confirming an
	// unpaid order, cancelling a shipped one, buying a listing not live.
	ErrConflict = errors.New("partnersim: conflict with the current state")
	// ErrAlreadyShipped is an item confirmed before under another waybill.
	ErrAlreadyShipped = errors.New("partnersim: item already confirmed under another waybill")
	// ErrInvalid is a malformed request; the wrapping error says which field.
	ErrInvalid = errors.New("partnersim: invalid request")
)

// Market is a simulated partner marketplace: listings under review, buyers'
// orders, shipments and settlements, in memory. It knows no protocol; the
// gRPC Server (and any other frontend) translates calls onto it. It is safe
// for concurrent use.
type Market struct {
	cfg  MarketConfig
	rand *random
	// callFaults are the faults a call meets before doing anything; the
	// back office may change them while the market runs (SetCallFaults).
	callFaults atomic.Pointer[CallFaults]

	mu            sync.Mutex
	listings      map[string]*listing // by marker
	orders        map[string]*order   // by id
	lines         []SettlementLine    // in booking order
	paidLines     map[string]bool     // line ids paid out
	payouts       []Payout            // in payment order
	start         time.Time           // the payout grid's origin
	nextPayout    time.Time           // the next periodic payout (zero: none yet)
	confirmations map[string]int      // by order id
	seq           int64               // the last id handed out
	watchers      []func(OrderChange) // see OnOrderChange
}

// NewMarket returns an empty marketplace.
func NewMarket(cfg MarketConfig) *Market {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Faults.RetryAfter <= 0 {
		cfg.Faults.RetryAfter = time.Second
	}
	if cfg.Faults.ExtraLag > 0 && cfg.Faults.ExtraLagShare == 0 {
		cfg.Faults.ExtraLagShare = 0.1
	}
	if cfg.RunTag == "" {
		cfg.RunTag = jsonapi.NewID("")[:8]
	}
	m := &Market{
		cfg:           cfg,
		rand:          newRandom(cfg.Seed),
		listings:      map[string]*listing{},
		orders:        map[string]*order{},
		confirmations: map[string]int{},
		paidLines:     map[string]bool{},
		start:         cfg.Now(),
	}
	m.callFaults.Store(&CallFaults{RateLimit: cfg.Faults.RateLimit, RetryAfter: cfg.Faults.RetryAfter, ServerError: cfg.Faults.ServerError})
	return m
}

// CallFaults are the faults that refuse a call before it does anything.
type CallFaults struct {
	RateLimit   float64
	RetryAfter  time.Duration
	ServerError float64
}

// SetCallFaults changes the share of calls rate limited (asking to wait
// retryAfter, at least a millisecond) and failed as server errors, as a
// partner's load or incidents change through the day.
func (m *Market) SetCallFaults(f CallFaults) error {
	if f.RateLimit < 0 || f.RateLimit > 1 || f.ServerError < 0 || f.ServerError > 1 {
		return errors.New("partnersim: shares must be between 0 and 1")
	}
	if f.RetryAfter < time.Millisecond {
		f.RetryAfter = time.Second
	}
	m.callFaults.Store(&f)
	return nil
}

// CallFaultsNow are the call faults in force.
func (m *Market) CallFaultsNow() CallFaults { return *m.callFaults.Load() }

func (m *Market) now() time.Time { return m.cfg.Now() }

// nextSeq returns a fresh number for an id; the caller holds mu.
func (m *Market) nextSeq() int64 {
	m.seq++
	return m.seq
}

// nextID returns a fresh id of kind (po, st, lst, ...), unique across runs
// by the market's run tag; the caller holds mu.
func (m *Market) nextID(kind string) string {
	return fmt.Sprintf("%s-%s-%06d", kind, m.cfg.RunTag, m.nextSeq())
}
