package app

import (
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
)

// Who may call the wallet use cases: buyers their own wallet, members of a
// supplier its payable (owners pay it out), members of a merchant its
// deposit, services the internal commands, admins read any of these.
var (
	ErrNotBuyer          = apperr.PermissionDenied("this method is for buyers").WithReason("BUYERS_ONLY")
	ErrNotSupplierMember = apperr.PermissionDenied("this method is for members of the supplier organization").WithReason("NOT_SUPPLIER_MEMBER")
	ErrNotSupplierOwner  = apperr.PermissionDenied("only owners of the supplier organization request payouts").WithReason("NOT_SUPPLIER_OWNER")
	ErrNotMerchantMember = apperr.PermissionDenied("this method is for members of the merchant organization").WithReason("NOT_MERCHANT_MEMBER")
)

// isBuyer is a signed-in buyer acting for themselves.
func isBuyer(c auth.Caller) bool {
	return c.Kind == auth.KindUser && c.HasRole(auth.RoleBuyer) && c.Subject != ""
}

// memberOf reports a signed-in user of org holding role (supplier or
// merchant); the token carries the role only once the organization is
// approved.
func memberOf(c auth.Caller, role, org string) bool {
	return c.Kind == auth.KindUser && c.HasRole(role) && org != "" && c.OrganizationID == org
}
