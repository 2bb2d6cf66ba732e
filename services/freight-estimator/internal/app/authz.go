package app

import (
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/domain"
)

// Authorization errors.
var (
	ErrAdminsOnly    = apperr.PermissionDenied("this method is for admins").WithReason("ADMINS_ONLY")
	ErrOperatorsOnly = apperr.PermissionDenied("this method is for operators").WithReason("OPERATORS_ONLY")
)

// requireAdmin returns the admin's id for the audit trail, or PermissionDenied.
func requireAdmin(c auth.Caller) (string, error) {
	if !c.IsAdmin() || c.Subject == "" {
		return "", ErrAdminsOnly
	}
	return c.Subject, nil
}

func requireOperator(c auth.Caller) error {
	if !c.IsOperator() {
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

// visibleSkus keeps the SKUs whose weight, size, price and origin the caller
// may learn from an estimate: those on sale, its own organization's while not
// deleted, and any for services and operators (they act for the platform and
// may read the whole catalogue anyway). The rest are dropped, so an unlisted,
// deleted or foreign SKU is answered exactly like an id that does not exist,
// and the estimate does not even reveal that it exists.
func visibleSkus(c auth.Caller, skus map[string]domain.SkuInfo) map[string]domain.SkuInfo {
	if c.IsService() || c.IsOperator() {
		return skus
	}
	out := make(map[string]domain.SkuInfo, len(skus))
	for id, s := range skus {
		own := c.OrganizationID != "" && c.OrganizationID == s.SupplierID && !s.Deleted
		if s.OnSale || own {
			out[id] = s
		}
	}
	return out
}
