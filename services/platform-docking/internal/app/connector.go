package app

import (
	"context"
	"errors"
	"time"

	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// The connector interfaces: one small interface per capability, so a
// partner's protocol implements only what the partner supports. A
// Connector with a nil capability docks without it (a partner that takes no
// listings is never pushed to).
//
// Every method takes the partner as registered (endpoint, code and opened
// credentials) and talks to it once; retries, pacing and bookkeeping are
// docking's. Errors: an endpoint that cannot be reached or answers 5xx is
// an apperr Unavailable error; a partner asking us to slow down is a
// *RateLimited; anything else is the partner refusing the call.

// ListingConnector pushes listings and reads their acceptance.
type ListingConnector interface {
	// UpsertListing creates or replaces the listing with l's marker.
	UpsertListing(ctx context.Context, p domain.Partner, l domain.Listing) (domain.ListingState, error)
	// WithdrawListing takes the listing with marker off sale; unknown is
	// success.
	WithdrawListing(ctx context.Context, p domain.Partner, marker string) (domain.ListingState, error)
	// ListingStates returns the states of the listings with these markers
	// (at most 100); unknown markers are left out. States it cannot read
	// are left out too, and reported in the error returned with the
	// others (states not nil): a partial answer.
	ListingStates(ctx context.Context, p domain.Partner, markers []string) ([]domain.ListingState, error)
}

// OrderConnector reads a partner's orders.
type OrderConnector interface {
	// ListOrders returns a page of the orders updated in w, oldest update
	// first; page is the previous page's Next, empty for the first.
	ListOrders(ctx context.Context, p domain.Partner, w domain.Window, page string) (domain.OrderPage, error)
	// GetOrder returns one order; unknown is an apperr NotFound error.
	GetOrder(ctx context.Context, p domain.Partner, orderID string) (domain.PartnerOrder, error)
}

// ShipmentConnector confirms waybills to a partner.
type ShipmentConnector interface {
	// ConfirmShipment confirms a package; already is true when the partner
	// had this waybill confirmed before (success too).
	ConfirmShipment(ctx context.Context, p domain.Partner, s domain.Shipment) (already bool, err error)
}

// SettlementConnector reads a partner's settlement lines and its payouts.
type SettlementConnector interface {
	// ListSettlements returns a page of the lines booked in w, oldest
	// first.
	ListSettlements(ctx context.Context, p domain.Partner, w domain.Window, page string) (domain.SettlementPage, error)
	// ListPayouts returns a page of the payouts (our balance paid out to
	// our bank) made in w, oldest first.
	ListPayouts(ctx context.Context, p domain.Partner, w domain.Window, page string) (domain.PayoutPage, error)
	// ReadSettlementLine reads a line again from what ListSettlements kept
	// of it (its Raw), as ListSettlements reads it: an unreadable line is
	// read again every round, so a fix of our reading credits it.
	ReadSettlementLine(raw []byte) (domain.SettlementLine, error)
	// ReadPayout reads a payout again from what ListPayouts kept of it, as
	// ReadSettlementLine does a line.
	ReadPayout(raw []byte) (domain.Payout, error)
}

// Connector is one protocol's capabilities; nil ones are not supported.
type Connector struct {
	Listings    ListingConnector
	Orders      OrderConnector
	Shipments   ShipmentConnector
	Settlements SettlementConnector
}

// RateLimited is a partner asking us to wait before calling again.
type RateLimited struct {
	// After is how long the partner asked us to wait (zero: unspecified).
	After time.Duration
}

func (e *RateLimited) Error() string {
	return "the partner is rate limiting us: retry after " + e.After.String()
}

// RetryAfter returns how long err asks to wait when it is a *RateLimited.
func RetryAfter(err error) (time.Duration, bool) {
	var rl *RateLimited
	if errors.As(err, &rl) {
		return rl.After, true
	}
	return 0, false
}
