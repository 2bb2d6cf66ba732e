package grpcapi

import (
	"context"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/catalog/internal/domain"
)

// CreateCategory adds a category (admins and reviewers).
func (s *Server) CreateCategory(ctx context.Context, req *catalogv1.CreateCategoryRequest) (*catalogv1.CreateCategoryResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	cat, err := s.svc.CreateCategory(ctx, c, domain.CategoryInput{ParentID: req.GetParentId(), Name: req.GetName(), Slug: req.GetSlug()})
	if err != nil {
		return nil, err
	}
	return &catalogv1.CreateCategoryResponse{Category: categoryProto(cat)}, nil
}

// ListCategories returns the tree (public).
func (s *Server) ListCategories(ctx context.Context, _ *catalogv1.ListCategoriesRequest) (*catalogv1.ListCategoriesResponse, error) {
	cats, err := s.svc.ListCategories(ctx)
	if err != nil {
		return nil, err
	}
	resp := &catalogv1.ListCategoriesResponse{}
	for _, c := range cats {
		resp.Categories = append(resp.Categories, categoryProto(c))
	}
	return resp, nil
}

// CreateBrand adds a brand (admins and reviewers).
func (s *Server) CreateBrand(ctx context.Context, req *catalogv1.CreateBrandRequest) (*catalogv1.CreateBrandResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	b, err := s.svc.CreateBrand(ctx, c, req.GetName())
	if err != nil {
		return nil, err
	}
	return &catalogv1.CreateBrandResponse{Brand: brandProto(b)}, nil
}

// ListBrands lists the brands (public).
func (s *Server) ListBrands(ctx context.Context, req *catalogv1.ListBrandsRequest) (*catalogv1.ListBrandsResponse, error) {
	page, err := s.svc.ListBrands(ctx, req.GetNamePrefix(), int(req.GetPage().GetPageSize()), req.GetPage().GetPageToken())
	if err != nil {
		return nil, err
	}
	resp := &catalogv1.ListBrandsResponse{Page: &commonv1.PageResponse{NextPageToken: page.NextPageToken}}
	for _, b := range page.Brands {
		resp.Brands = append(resp.Brands, brandProto(b))
	}
	return resp, nil
}

// CreateProductModel defines an attribute template (admins and reviewers).
func (s *Server) CreateProductModel(ctx context.Context, req *catalogv1.CreateProductModelRequest) (*catalogv1.CreateProductModelResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var attrs []domain.Attribute
	for _, a := range req.GetAttributes() {
		attrs = append(attrs, domain.Attribute{
			Name: a.GetName(), Kind: attributeKind(a.GetKind()), AllowedValues: a.GetAllowedValues(),
			Required: a.GetRequired(), Spec: a.GetSpec(),
		})
	}
	m, err := s.svc.CreateProductModel(ctx, c, req.GetName(), attrs)
	if err != nil {
		return nil, err
	}
	return &catalogv1.CreateProductModelResponse{Model: modelProto(m)}, nil
}

// GetProductModel returns one model (signed-in callers).
func (s *Server) GetProductModel(ctx context.Context, req *catalogv1.GetProductModelRequest) (*catalogv1.GetProductModelResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := apperr.ParseID("model_id", req.GetModelId())
	if err != nil {
		return nil, err
	}
	m, err := s.svc.GetProductModel(ctx, c, id)
	if err != nil {
		return nil, err
	}
	return &catalogv1.GetProductModelResponse{Model: modelProto(m)}, nil
}

// ListProductModels lists the models (signed-in callers).
func (s *Server) ListProductModels(ctx context.Context, _ *catalogv1.ListProductModelsRequest) (*catalogv1.ListProductModelsResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	models, err := s.svc.ListProductModels(ctx, c)
	if err != nil {
		return nil, err
	}
	resp := &catalogv1.ListProductModelsResponse{}
	for _, m := range models {
		resp.Models = append(resp.Models, modelProto(m))
	}
	return resp, nil
}
