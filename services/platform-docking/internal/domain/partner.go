package domain

import (
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// Protocol is how Crossdock talks to a partner platform.
type Protocol string

// The protocols a partner can speak.
const (
	// ProtocolStandardGRPC partners implement our MarketplaceService, with
	// calls signed both ways by Ed25519 keys.
	ProtocolStandardGRPC Protocol = "standard_grpc"
	// ProtocolRESTMarketplace partners have REST APIs of their own, reached
	// with an app key and secret they issued to us.
	ProtocolRESTMarketplace Protocol = "rest_marketplace"
)

// Valid reports whether p is one of the protocols.
func (p Protocol) Valid() bool { return p == ProtocolStandardGRPC || p == ProtocolRESTMarketplace }

// Status is whether a partner may dock.
type Status string

// The statuses of a partner.
const (
	StatusUnverified Status = "unverified"
	StatusVerified   Status = "verified"
	StatusSuspended  Status = "suspended"
)

// Errors of the partner's life cycle.
var (
	ErrSuspended   = apperr.FailedPrecondition("the partner is suspended: resume it first").WithReason("PARTNER_SUSPENDED")
	ErrNotVerified = apperr.FailedPrecondition("the partner is not verified: an operator must run its handshake").WithReason("PARTNER_NOT_VERIFIED")
	// ErrSuspendedCaller is what a suspended partner calling us is told.
	ErrSuspendedCaller = apperr.PermissionDenied("the partner is suspended").WithReason("PARTNER_SUSPENDED")
)

// Fees are what a partner charges besides its commission: a fixed amount
// per order in minor units of Currency. A zero Fees charges nothing.
type Fees struct {
	Currency      string
	FixedPerOrder int64
}

// Partner is a partner platform Crossdock docks with. VerifiedAt is kept
// through a suspension, so that resuming restores the verification an edit
// has not invalidated meanwhile.
type Partner struct {
	ID                   uuid.UUID
	Name                 string
	Code                 string
	Protocol             Protocol
	Endpoint             string
	APIClientID          string
	Locales              []string
	QualityCheckRequired bool
	CommissionBPS        int
	Fees                 Fees
	Credentials          Credentials
	Status               Status
	VerifiedAt           *time.Time
	CreatedAt            time.Time
	UpdatedAt            time.Time
	// Version counts the saved changes, so a handshake run outside any
	// transaction can tell that the partner was edited while it ran.
	Version int64
}

// NewPartner returns a partner registered now, unverified, with its input
// normalized and checked.
func NewPartner(id uuid.UUID, p Partner, now time.Time) (Partner, error) {
	p.ID, p.Status, p.VerifiedAt, p.CreatedAt, p.UpdatedAt, p.Version = id, StatusUnverified, nil, now, now, 0
	p.normalize()
	return p, p.Validate()
}

// Update is a change to a partner; nil fields keep their value.
type Update struct {
	Name                 *string
	Endpoint             *string
	Locales              []string
	QualityCheckRequired *bool
	CommissionBPS        *int
	Fees                 *Fees
	Credentials          *Credentials
}

// Apply makes the change. A new endpoint or new credentials mean the last
// handshake proved nothing about what the partner is now, so the
// verification is cleared: the partner is unverified again (or, while
// suspended, will resume unverified).
func (p *Partner) Apply(u Update, now time.Time) error {
	reset := false
	if u.Name != nil {
		p.Name = *u.Name
	}
	if u.Endpoint != nil && *u.Endpoint != p.Endpoint {
		p.Endpoint, reset = *u.Endpoint, true
	}
	if len(u.Locales) > 0 {
		p.Locales = u.Locales
	}
	if u.QualityCheckRequired != nil {
		p.QualityCheckRequired = *u.QualityCheckRequired
	}
	if u.CommissionBPS != nil {
		p.CommissionBPS = *u.CommissionBPS
	}
	if u.Fees != nil {
		p.Fees = *u.Fees
	}
	if u.Credentials != nil {
		p.Credentials, reset = *u.Credentials, true
	}
	p.normalize()
	if err := p.Validate(); err != nil {
		return err
	}
	if reset {
		p.VerifiedAt = nil
		if p.Status == StatusVerified {
			p.Status = StatusUnverified
		}
	}
	p.UpdatedAt = now
	return nil
}

// MarkVerified records a successful handshake. A suspended partner is
// verified only after an operator resumed it.
func (p *Partner) MarkVerified(now time.Time) error {
	if p.Status == StatusSuspended {
		return ErrSuspended
	}
	p.Status, p.VerifiedAt, p.UpdatedAt = StatusVerified, &now, now
	return nil
}

// CanVerify reports whether a handshake may be run at all.
func (p Partner) CanVerify() error {
	if p.Status == StatusSuspended {
		return ErrSuspended
	}
	return nil
}

// Suspend stops the partner from docking. Suspending a suspended partner
// changes nothing.
func (p *Partner) Suspend(now time.Time) {
	if p.Status != StatusSuspended {
		p.Status, p.UpdatedAt = StatusSuspended, now
	}
}

// Resume lifts a suspension: verified again when the last verification
// still holds, unverified when an edit cleared it. Resuming a partner that
// is not suspended changes nothing.
func (p *Partner) Resume(now time.Time) {
	if p.Status != StatusSuspended {
		return
	}
	p.Status, p.UpdatedAt = StatusUnverified, now
	if p.VerifiedAt != nil {
		p.Status = StatusVerified
	}
}

// CanDock reports whether the partner's calls are served: a suspended
// partner is denied, an unverified one must be verified first.
func (p Partner) CanDock() error {
	switch p.Status {
	case StatusVerified:
		return nil
	case StatusSuspended:
		return ErrSuspendedCaller
	default:
		return ErrNotVerified
	}
}
