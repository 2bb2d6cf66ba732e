package app

import (
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
)

// ErrAdminsOnly refuses a method to anyone but an admin.
var ErrAdminsOnly = apperr.PermissionDenied("this method is for admins").WithReason("ADMINS_ONLY")

// isAdmin is a signed-in admin, who may read any party's finance objects.
func isAdmin(c auth.Caller) bool { return c.Kind == auth.KindUser && c.HasRole(auth.RoleAdmin) }

// isService is another Crossdock service acting on its own behalf.
func isService(c auth.Caller) bool { return c.Kind == auth.KindService && c.HasRole(auth.RoleService) }

// requireAdmin returns the admin's id for the record, or PermissionDenied.
func requireAdmin(c auth.Caller) (string, error) {
	if !isAdmin(c) || c.Subject == "" {
		return "", ErrAdminsOnly
	}
	return c.Subject, nil
}

// isServiceOrAdmin reports whether the caller is one of our services or an
// admin: the callers that may read any party's finance objects.
func isServiceOrAdmin(c auth.Caller) bool { return isService(c) || isAdmin(c) }

// ErrServicesOnly refuses an internal money command to anyone but our
// services: buyers, suppliers and admins move escrow only through them.
var ErrServicesOnly = apperr.PermissionDenied("this method is for Crossdock's services").WithReason("SERVICES_ONLY")

// requireService returns the calling service's name, or PermissionDenied.
func requireService(c auth.Caller) (string, error) {
	if !isService(c) || c.Subject == "" {
		return "", ErrServicesOnly
	}
	return c.Subject, nil
}
