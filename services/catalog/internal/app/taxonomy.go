package app

import (
	"context"
	"strings"
	"unicode"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/paging"
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

// ListBrands lists the brands by name, case aside, a page at a time: those
// whose name starts with prefix (case aside; leading spaces ignored), or
// all. Public.
func (s *Service) ListBrands(ctx context.Context, prefix string, pageSize int, pageToken string) (BrandPage, error) {
	var v apperr.Violations
	apperr.CheckText(&v, "name_prefix", prefix, 0, domain.MaxBrandName)
	limit, err := brandPages.Size(pageSize)
	if err := apperr.JoinInvalid(err, v.Err()); err != nil {
		return BrandPage{}, err
	}
	prefix = strings.TrimLeftFunc(prefix, unicode.IsSpace)
	var after brandCursor
	if pageToken != "" {
		if err := paging.DecodeFor(pageToken, prefix, &after); err != nil {
			return BrandPage{}, err
		}
	}
	brands, err := s.store.ListBrands(ctx, prefix, after.Name, limit+1)
	if err != nil {
		return BrandPage{}, err
	}
	page := BrandPage{Brands: brands}
	if len(brands) > limit {
		page.Brands = brands[:limit]
		page.NextPageToken = paging.EncodeFor(prefix, brandCursor{Name: brands[limit-1].Name})
	}
	return page, nil
}

// BrandPage is one page of the brand list.
type BrandPage struct {
	Brands []domain.Brand
	// NextPageToken fetches the next page; empty on the last.
	NextPageToken string
}

// brandCursor is where a page of brands ends: the last brand's name, unique
// case aside.
type brandCursor struct {
	Name string `json:"n"`
}

// Valid reports whether the cursor names a brand (paging.Validator).
func (c brandCursor) Valid() bool { return c.Name != "" }

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
