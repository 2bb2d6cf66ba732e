package app

import (
	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
)

// Authorization errors.
var (
	ErrUsersOnly     = apperr.PermissionDenied("this method is for signed-in users").WithReason("USERS_ONLY")
	ErrAdminsOnly    = apperr.PermissionDenied("this method is for admins").WithReason("ADMINS_ONLY")
	ErrOperatorsOnly = apperr.PermissionDenied("this method is for operators").WithReason("OPERATORS_ONLY")
	ErrServicesOnly  = apperr.PermissionDenied("this method is for service accounts").WithReason("SERVICES_ONLY")
	ErrOwnersOnly    = apperr.PermissionDenied("only the organization's owner may do this").WithReason("OWNERS_ONLY")
)

// userID returns the id of a signed-in person; service accounts and API
// clients have no profile, addresses or organization of their own.
func userID(c auth.Caller) (uuid.UUID, error) {
	if c.Kind != auth.KindUser {
		return uuid.Nil, ErrUsersOnly
	}
	id, err := uuid.Parse(c.Subject)
	if err != nil {
		return uuid.Nil, ErrUsersOnly
	}
	return id, nil
}

// requireAdmin returns the admin's user id, or PermissionDenied.
func requireAdmin(c auth.Caller) (uuid.UUID, error) {
	id, err := userID(c)
	if err != nil || !c.IsAdmin() {
		return uuid.Nil, ErrAdminsOnly
	}
	return id, nil
}
