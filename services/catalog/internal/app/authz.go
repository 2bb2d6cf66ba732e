package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/catalog/internal/domain"
)

// Authorization errors.
var (
	ErrSuppliersOnly   = apperr.PermissionDenied("this method is for suppliers").WithReason("SUPPLIERS_ONLY")
	ErrMerchantsOnly   = apperr.PermissionDenied("this method is for merchants").WithReason("MERCHANTS_ONLY")
	ErrReviewersOnly   = apperr.PermissionDenied("this method is for reviewers").WithReason("REVIEWERS_ONLY")
	ErrTranslatorsOnly = apperr.PermissionDenied("this method is for translators").WithReason("TRANSLATORS_ONLY")
	ErrTaxonomyOnly    = apperr.PermissionDenied("this method is for admins and reviewers").WithReason("ADMINS_AND_REVIEWERS_ONLY")
	ErrInternalOnly    = apperr.PermissionDenied("this method is for services and operators").WithReason("INTERNAL_ONLY")
)

// isUser reports a signed-in person, as opposed to a service or API client.
func isUser(c auth.Caller) bool { return c.Kind == auth.KindUser && c.Subject != "" }

// Admins hold every operator power: they review and translate too.
func isReviewer(c auth.Caller) bool {
	return isUser(c) && c.HasAnyRole(auth.RoleReviewer, auth.RoleAdmin)
}

func isTranslator(c auth.Caller) bool {
	return isUser(c) && c.HasAnyRole(auth.RoleTranslator, auth.RoleAdmin)
}

// supplierOf returns the supplier organization the caller acts for
// (auth.Caller.SupplierOrg), and ErrSuppliersOnly for anyone else.
func supplierOf(c auth.Caller) (uuid.UUID, error) {
	org, ok := c.SupplierOrg()
	if !ok {
		return uuid.Nil, ErrSuppliersOnly
	}
	return org, nil
}

// merchantOf returns the caller's merchant organization.
func merchantOf(c auth.Caller) (uuid.UUID, error) {
	org, ok := c.MerchantOrg()
	if !ok {
		return uuid.Nil, ErrMerchantsOnly
	}
	return org, nil
}

func productNotFound(id uuid.UUID) error { return apperr.NotFound("product", id.String()) }

// ownProduct reads a product of the calling supplier; another supplier's
// product is NotFound, exactly like a missing one.
func ownProduct(ctx context.Context, r Products, c auth.Caller, id uuid.UUID) (domain.Product, error) {
	org, err := supplierOf(c)
	if err != nil {
		return domain.Product{}, err
	}
	p, err := r.GetProduct(ctx, id)
	if err != nil {
		return domain.Product{}, err
	}
	return p, ownedBy(org, p)
}

// ownedBy is NotFound for a product of another supplier than org, exactly
// like a missing one.
func ownedBy(org uuid.UUID, p domain.Product) error {
	if p.SupplierID != org {
		return productNotFound(p.ID)
	}
	return nil
}

// visibleProduct reads a product for its owner, an operator or a service
// (docking pushes products to partners); to anyone else it does not exist.
func visibleProduct(ctx context.Context, r Products, c auth.Caller, id uuid.UUID) (domain.Product, error) {
	if c.IsOperator() || c.IsService() {
		return r.GetProduct(ctx, id)
	}
	if _, err := supplierOf(c); err != nil {
		return domain.Product{}, productNotFound(id)
	}
	return ownProduct(ctx, r, c, id)
}
