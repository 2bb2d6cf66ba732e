package app

import (
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
)

// ErrAdminsOnly refuses a method to anyone but an admin.
var ErrAdminsOnly = apperr.PermissionDenied("this method is for admins").WithReason("ADMINS_ONLY")

// requireAdmin returns the admin's id for the record, or PermissionDenied.
func requireAdmin(c auth.Caller) (string, error) {
	if !c.IsAdmin() || c.Subject == "" {
		return "", ErrAdminsOnly
	}
	return c.Subject, nil
}

// isServiceOrAdmin reports whether the caller is one of our services or an
// admin: the callers that may read any party's finance objects.
func isServiceOrAdmin(c auth.Caller) bool { return c.IsService() || c.IsAdmin() }

// ErrServicesOnly refuses an internal money command to anyone but our
// services: buyers, suppliers and admins move escrow only through them.
var ErrServicesOnly = apperr.PermissionDenied("this method is for Crossdock's services").WithReason("SERVICES_ONLY")

// requireService returns the calling service's name, or PermissionDenied.
func requireService(c auth.Caller) (string, error) {
	if !c.IsService() || c.Subject == "" {
		return "", ErrServicesOnly
	}
	return c.Subject, nil
}
