package app

import (
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
)

// Authorization errors.
var (
	ErrAdminsOnly   = apperr.PermissionDenied("only admins manage partner platforms").WithReason("ADMINS_ONLY")
	ErrPartnersOnly = apperr.PermissionDenied("this method is for partner platforms' signed calls").WithReason("PARTNERS_ONLY")
)

// requireAdmin lets through a signed-in admin only: not services, not API
// clients, whatever roles they claim.
func requireAdmin(c auth.Caller) error {
	if !c.IsAdmin() {
		return ErrAdminsOnly
	}
	return nil
}

// requirePartner lets through a partner's API client authenticated by its
// request signature.
func requirePartner(c auth.Caller) error {
	if c.Kind != auth.KindAPIClient || !c.HasRole(auth.RolePartner) || c.Subject == "" {
		return ErrPartnersOnly
	}
	return nil
}
