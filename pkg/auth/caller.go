package auth

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// Roles a caller can hold. Buyers, suppliers and merchants trade; admins,
// reviewers and translators operate the platform; services act on their own
// behalf.
const (
	RoleBuyer      = "buyer"
	RoleSupplier   = "supplier"
	RoleMerchant   = "merchant"
	RoleAdmin      = "admin"
	RoleReviewer   = "reviewer"
	RoleTranslator = "translator"
	RoleService    = "service"
	// RolePartner is a partner marketplace's API client.
	RolePartner = "partner"
	// RoleERP is a supplier's ERP: it acts for that supplier organization.
	RoleERP = "erp"
)

// Organization roles of a member of a supplier or merchant organization.
const (
	OrgRoleOwner = "owner"
	OrgRoleStaff = "staff"
)

// Token constants shared by the issuer and every verifier.
const (
	// Issuer is the "iss" claim of every access token.
	Issuer = "crossdock-users"
	// Audience is the one "aud" value every access token carries; all
	// services accept it, so a token works across the mesh.
	Audience = "crossdock"
	// AccessTokenTTL is short so that a disabled account or a stolen token
	// stops working within minutes; a revoked session's tokens stop at once
	// (Revocations), which only has to remember sessions this long.
	AccessTokenTTL = 15 * time.Minute
)

// Kind says what sort of principal a caller is.
type Kind string

// The kinds of caller.
const (
	// KindUser is a person signed in with an access token.
	KindUser Kind = "user"
	// KindService is a Crossdock service acting on its own behalf with a
	// service-account token.
	KindService Kind = "service"
	// KindAPIClient is a partner platform or supplier ERP authenticated by a
	// signed request.
	KindAPIClient Kind = "api_client"
)

// Caller is the authenticated principal of a request.
type Caller struct {
	// Subject is the user id, or the client id of a service account or
	// API client.
	Subject string
	Kind    Kind
	Roles   []string
	// OrganizationID is the supplier or merchant organization the caller
	// belongs to, if any.
	OrganizationID string
	// OrganizationRole is OrgRoleOwner, OrgRoleStaff or empty.
	OrganizationRole string
	// TokenID is the access token's "jti"; empty for signed requests.
	TokenID string
	// SessionID is the login session a user's access token belongs to (its
	// "sid" claim, the refresh-token family), so a revoked session's tokens
	// can be refused before they expire; empty for service tokens and
	// signed requests.
	SessionID string
	// ExpiresAt is when the credential stops being accepted.
	ExpiresAt time.Time
}

// HasRole reports whether the caller holds role.
func (c Caller) HasRole(role string) bool {
	return slices.Contains(c.Roles, role)
}

// HasAnyRole reports whether the caller holds at least one of roles.
func (c Caller) HasAnyRole(roles ...string) bool {
	for _, r := range roles {
		if slices.Contains(c.Roles, r) {
			return true
		}
	}
	return false
}

// IsService reports a Crossdock service acting on its own behalf with a
// service-account token. Both the kind and the role must say so: neither a
// user token carrying the role nor a service token without it is one.
func (c Caller) IsService() bool { return c.Kind == KindService && c.HasRole(RoleService) }

// IsAdmin reports a signed-in admin.
func (c Caller) IsAdmin() bool { return c.Kind == KindUser && c.HasRole(RoleAdmin) }

// IsOperator reports a signed-in person who operates the platform: an
// admin, a reviewer or a translator.
func (c Caller) IsOperator() bool {
	return c.Kind == KindUser && c.HasAnyRole(RoleAdmin, RoleReviewer, RoleTranslator)
}

// IsERP reports a supplier's ERP client calling with a signed request: it
// acts for the supplier organization in OrganizationID.
func (c Caller) IsERP() bool { return c.Kind == KindAPIClient && c.HasRole(RoleERP) }

// SupplierOrg is the supplier organization the caller acts for: a signed-in
// member of a supplier, whose token carries the supplier role only once the
// organization is approved, or the supplier's ERP client. ok is false for
// anyone else, and for a token that names no organization.
func (c Caller) SupplierOrg() (org uuid.UUID, ok bool) {
	member := c.Kind == KindUser && c.HasRole(RoleSupplier)
	if !member && !c.IsERP() {
		return uuid.Nil, false
	}
	return c.organization()
}

// MerchantOrg is the merchant organization a signed-in member of a merchant
// buys for. ok is false for anyone else, and for a token that names no
// organization.
func (c Caller) MerchantOrg() (org uuid.UUID, ok bool) {
	if c.Kind != KindUser || !c.HasRole(RoleMerchant) {
		return uuid.Nil, false
	}
	return c.organization()
}

func (c Caller) organization() (uuid.UUID, bool) {
	id, err := uuid.Parse(c.OrganizationID)
	return id, err == nil && id != uuid.Nil
}

type callerKey struct{}

// WithCaller returns a context carrying c, as the interceptors do after
// authenticating a request.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller stored by WithCaller, if any.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// ErrAuthenticationRequired is returned when a request that needs a caller
// has none (a handler of a public method that needs a token after all).
var ErrAuthenticationRequired = apperr.Unauthenticated("authentication required")

// RequireCaller returns the caller or an Unauthenticated error, so handlers
// can stay correct even if an interceptor was left out.
func RequireCaller(ctx context.Context) (Caller, error) {
	c, ok := CallerFrom(ctx)
	if !ok || c.Subject == "" {
		return Caller{}, ErrAuthenticationRequired
	}
	return c, nil
}
