package app

import (
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
)

// Authorization errors.
var (
	ErrAdminsOnly    = apperr.PermissionDenied("this method is for admins").WithReason("ADMINS_ONLY")
	ErrOperatorsOnly = apperr.PermissionDenied("this method is for operators").WithReason("OPERATORS_ONLY")
)

func isAdmin(c auth.Caller) bool { return c.Kind == auth.KindUser && c.HasRole(auth.RoleAdmin) }

func isOperator(c auth.Caller) bool {
	return c.Kind == auth.KindUser && c.HasAnyRole(auth.RoleAdmin, auth.RoleReviewer, auth.RoleTranslator)
}

// requireAdmin returns the admin's id for the audit trail, or PermissionDenied.
func requireAdmin(c auth.Caller) (string, error) {
	if !isAdmin(c) || c.Subject == "" {
		return "", ErrAdminsOnly
	}
	return c.Subject, nil
}

func requireOperator(c auth.Caller) error {
	if !isOperator(c) {
		return ErrOperatorsOnly
	}
	return nil
}

// requireCaller accepts any authenticated caller: people, services and API
// clients alike may ask for an estimate.
func requireCaller(c auth.Caller) error {
	if c.Subject == "" {
		return auth.ErrAuthenticationRequired
	}
	return nil
}
