package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/catalog/internal/domain"
)

func canEditTaxonomy(c auth.Caller) bool {
	return isUser(c) && c.HasAnyRole(auth.RoleAdmin, auth.RoleReviewer)
}

// CreateCategory adds a category under a parent, or at the root. Admins and
// reviewers.
func (s *Service) CreateCategory(ctx context.Context, caller auth.Caller, in domain.CategoryInput) (domain.Category, error) {
	if !canEditTaxonomy(caller) {
		return domain.Category{}, ErrTaxonomyOnly
	}
	var c domain.Category
	err := s.store.InTx(ctx, func(r Repository) error {
		var parent *domain.Category
		var missing error
		if id, ok := in.Parent(); ok && id != uuid.Nil {
			p, err := r.GetCategory(ctx, id)
			switch {
			case apperr.IsKind(err, apperr.KindNotFound):
				missing = apperr.InvalidField("parent_id", "is not a known category")
			case err != nil:
				return err
			default:
				parent = &p
			}
		}
		var err error
		c, err = domain.NewCategory(in, parent, s.clock())
		if err := apperr.JoinInvalid(err, missing); err != nil {
			return err
		}
		return r.CreateCategory(ctx, c)
	})
	return c, err
}

// ListCategories returns the whole tree, parents before children. Public.
func (s *Service) ListCategories(ctx context.Context) ([]domain.Category, error) {
	return s.store.ListCategories(ctx)
}

// CreateBrand adds a brand. Admins and reviewers.
func (s *Service) CreateBrand(ctx context.Context, caller auth.Caller, name string) (domain.Brand, error) {
	if !canEditTaxonomy(caller) {
		return domain.Brand{}, ErrTaxonomyOnly
	}
	b, err := domain.NewBrand(name, s.clock())
	if err != nil {
		return domain.Brand{}, err
	}
	return b, s.store.InTx(ctx, func(r Repository) error { return r.CreateBrand(ctx, b) })
}

// ListBrands lists the brands by name. Public.
func (s *Service) ListBrands(ctx context.Context) ([]domain.Brand, error) {
	return s.store.ListBrands(ctx)
}

// CreateProductModel defines an attribute template. Admins and reviewers.
func (s *Service) CreateProductModel(ctx context.Context, caller auth.Caller, name string, attrs []domain.Attribute) (domain.ProductModel, error) {
	if !canEditTaxonomy(caller) {
		return domain.ProductModel{}, ErrTaxonomyOnly
	}
	m, err := domain.NewProductModel(name, attrs, s.clock())
	if err != nil {
		return domain.ProductModel{}, err
	}
	return m, s.store.InTx(ctx, func(r Repository) error { return r.CreateProductModel(ctx, m) })
}

// GetProductModel returns one model. Any signed-in caller.
func (s *Service) GetProductModel(ctx context.Context, caller auth.Caller, id uuid.UUID) (domain.ProductModel, error) {
	if caller.Subject == "" {
		return domain.ProductModel{}, auth.ErrAuthenticationRequired
	}
	return s.store.GetProductModel(ctx, id)
}

// ListProductModels lists the models by name. Any signed-in caller.
func (s *Service) ListProductModels(ctx context.Context, caller auth.Caller) ([]domain.ProductModel, error) {
	if caller.Subject == "" {
		return nil, auth.ErrAuthenticationRequired
	}
	return s.store.ListProductModels(ctx)
}
