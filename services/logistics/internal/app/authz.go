package app

import (
	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
)

// Authorization errors.
var (
	ErrServicesOnly = apperr.PermissionDenied("this method is for service accounts").WithReason("SERVICES_ONLY")
	ErrAdminsOnly   = apperr.PermissionDenied("only admins manage carriers and shipping methods").WithReason("ADMINS_ONLY")
	ErrNotYours     = apperr.PermissionDenied("you may list only your own shipments or your organization's").WithReason("NOT_YOURS")
)

// canRead reports whether the caller may see a shipment: its buyer (for a
// merchant's order, the merchant's members, whoever placed it), its
// supplier's members, admins and services. Anyone else is told it does not
// exist: a member who left the merchant too.
func canRead(c auth.Caller, s domain.Shipment) bool {
	if c.IsAdmin() || c.IsService() {
		return true
	}
	if s.MerchantOrgID != uuid.Nil {
		if org, ok := c.MerchantOrg(); ok && org == s.MerchantOrgID {
			return true
		}
	} else if c.Kind == auth.KindUser && c.Subject == s.BuyerID {
		return true
	}
	org, ok := c.SupplierOrg()
	return ok && org == s.SupplierOrgID
}

func requireService(c auth.Caller) error {
	if !c.IsService() {
		return ErrServicesOnly
	}
	return nil
}

func requireAdmin(c auth.Caller) error {
	if !c.IsAdmin() {
		return ErrAdminsOnly
	}
	return nil
}
