package app

import (
	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// Authorization errors.
var (
	ErrBuyersOnly    = apperr.PermissionDenied("only a buyer's account checks out").WithReason("BUYERS_ONLY")
	ErrServicesOnly  = apperr.PermissionDenied("this method is for service accounts").WithReason("SERVICES_ONLY")
	ErrSuppliersOnly = apperr.PermissionDenied("only members of a supplier organization (or its ERP) list its sub-orders").
				WithReason("SUPPLIERS_ONLY")
)

// isBuyerOf reports the caller bought the order: placed it, or, for a
// merchant's order, is a member of that merchant now (the merchant is the
// buyer, whichever member placed it: one who left it no longer acts on its
// orders, nor pays them from its deposit).
func isBuyerOf(c auth.Caller, o domain.Order) bool {
	if o.MerchantOrgID != uuid.Nil {
		org, ok := c.MerchantOrg()
		return ok && org == o.MerchantOrgID
	}
	return c.Kind == auth.KindUser && c.Subject == o.BuyerID
}

// canReadOrder: its buyer, admins and services. Anyone else is told it
// does not exist.
func canReadOrder(c auth.Caller, o domain.Order) bool {
	return isBuyerOf(c, o) || c.IsAdmin() || c.IsService()
}

// canReadSubOrder adds the sub-order's supplier to the order's readers,
// once it was paid (a partner's or merchant's order too: they are paid
// when placed or at once): a sub-order never paid is no supplier's
// business, and a cancelled one would otherwise show it the buyer and the
// address of a purchase that never happened.
func canReadSubOrder(c auth.Caller, o domain.Order, s domain.SubOrder) bool {
	if canReadOrder(c, o) {
		return true
	}
	return isSupplierOf(c, s) && everPaid(s)
}

// everPaid reports the sub-order was paid, whatever became of it since.
func everPaid(s domain.SubOrder) bool { return s.PaidAt != nil }

// isSupplierOf reports the caller acts for the sub-order's supplier.
func isSupplierOf(c auth.Caller, s domain.SubOrder) bool { return actsFor(c, s.SupplierID) }

// actsFor reports the caller acts for the supplier (a member or its ERP).
func actsFor(c auth.Caller, supplier uuid.UUID) bool {
	org, ok := c.SupplierOrg()
	return ok && org == supplier
}

// relaysFor reports a service relaying for the supplier it names
// (platform-docking for the supplier's ERP): it may do for that supplier what
// the supplier's ERP may, and only for that one. Everyone else's named
// supplier counts for nothing.
func relaysFor(c auth.Caller, named, supplier uuid.UUID) bool {
	return c.IsService() && named != uuid.Nil && named == supplier
}

// actor is who the change log names for the caller.
func actor(c auth.Caller) domain.Actor {
	switch {
	case c.IsService():
		return domain.Actor{Kind: domain.ActorSystem, ID: c.Subject}
	case c.IsAdmin():
		return domain.Actor{Kind: domain.ActorOperator, ID: c.Subject}
	case c.IsERP() || c.HasRole(auth.RoleSupplier):
		return domain.Actor{Kind: domain.ActorSupplier, ID: c.Subject}
	default:
		return domain.Actor{Kind: domain.ActorBuyer, ID: c.Subject}
	}
}

// system is the service itself in the change log: a timer or an event.
var system = domain.Actor{Kind: domain.ActorSystem, ID: "orders"}

func notFoundOrder(id uuid.UUID) error { return apperr.NotFound("order", id.String()) }

func notFoundSubOrder(id uuid.UUID) error { return apperr.NotFound("sub-order", id.String()) }
