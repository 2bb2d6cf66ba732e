package domain

import (
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// OrganizationKind is what a company does on the platform.
type OrganizationKind string

// Suppliers sell their own products; merchants resell at tier cost prices.
const (
	KindSupplier OrganizationKind = "supplier"
	KindMerchant OrganizationKind = "merchant"
)

// Role is the account role that membership of such an organization grants.
func (k OrganizationKind) Role() Role {
	if k == KindMerchant {
		return RoleMerchant
	}
	return RoleSupplier
}

// OrganizationStatus is where an organization is in its review.
type OrganizationStatus string

// An organization starts pending; an admin approves or rejects it once.
const (
	StatusPending  OrganizationStatus = "pending"
	StatusApproved OrganizationStatus = "approved"
	StatusRejected OrganizationStatus = "rejected"
)

// Errors of the organization review.
var (
	ErrOrganizationNotPending = apperr.FailedPrecondition("only a pending organization can be approved or rejected").
					WithReason("ORGANIZATION_NOT_PENDING")
	ErrNotAMerchant = apperr.FailedPrecondition("only a merchant organization has a tier").
			WithReason("NOT_A_MERCHANT")
)

// Organization is a supplier or merchant company.
type Organization struct {
	ID              uuid.UUID
	Name            string
	Kind            OrganizationKind
	Status          OrganizationStatus
	RejectionReason string
	// MerchantTier is the tier code; empty for suppliers and untiered merchants.
	MerchantTier string
	// DecidedBy is the admin who approved or rejected it (uuid.Nil while pending).
	DecidedBy uuid.UUID
	DecidedAt time.Time
	CreatedAt time.Time
}

// NewOrganization validates the name (field "organization_name") and returns a
// pending organization.
func NewOrganization(name string, kind OrganizationKind, now time.Time) (Organization, error) {
	var v violations
	name = apperr.CheckText(&v, "organization_name", name, 1, 200)
	if kind != KindSupplier && kind != KindMerchant {
		v.Add("account_type", "must be supplier or merchant for an organization")
	}
	if err := v.Err(); err != nil {
		return Organization{}, err
	}
	return Organization{
		ID:        uuid.Must(uuid.NewV7()),
		Name:      name,
		Kind:      kind,
		Status:    StatusPending,
		CreatedAt: now,
	}, nil
}

// Approve lets a pending organization trade.
func (o *Organization) Approve(by uuid.UUID, now time.Time) error {
	if o.Status != StatusPending {
		return ErrOrganizationNotPending
	}
	o.Status, o.DecidedBy, o.DecidedAt = StatusApproved, by, now
	return nil
}

// Reject refuses a pending organization; the reason (field "reason") is shown
// to its members.
func (o *Organization) Reject(by uuid.UUID, reason string, now time.Time) error {
	var v violations
	reason = apperr.CheckText(&v, "reason", reason, 1, 500)
	if err := v.Err(); err != nil {
		return err
	}
	if o.Status != StatusPending {
		return ErrOrganizationNotPending
	}
	o.Status, o.RejectionReason, o.DecidedBy, o.DecidedAt = StatusRejected, reason, by, now
	return nil
}

// SetTier puts a merchant in a tier and returns the tier it had; changed is
// false when it already was in that tier.
func (o *Organization) SetTier(code string) (previous string, changed bool, err error) {
	if o.Kind != KindMerchant {
		return "", false, ErrNotAMerchant
	}
	previous = o.MerchantTier
	o.MerchantTier = code
	return previous, previous != code, nil
}
