package grpcapi

import (
	"context"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/idempotency"
	"github.com/crossdock/crossdock/pkg/pbtime"
	"github.com/crossdock/crossdock/services/catalog/internal/domain"
)

// CreateProduct creates a draft product (suppliers).
func (s *Server) CreateProduct(ctx context.Context, req *catalogv1.CreateProductRequest) (*catalogv1.CreateProductResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if req.GetContent() == nil {
		return nil, apperr.InvalidField("content", "is required")
	}
	p, err := s.svc.CreateProduct(ctx, c, domain.ProductInput{
		ModelID: req.GetModelId(), Type: productType(req.GetType()),
		Origin:        domain.Origin{CountryCode: req.GetOrigin().GetCountryCode(), RegionCode: req.GetOrigin().GetRegionCode()},
		DefaultLocale: req.GetDefaultLocale(), Content: contentFrom(req.GetContent()),
	}, idempotency.Key(ctx, req.GetIdempotencyKey()))
	if err != nil {
		return nil, err
	}
	return &catalogv1.CreateProductResponse{Product: productProto(p)}, nil
}

// UpdateProduct replaces the pending revision's content (the owner).
func (s *Server) UpdateProduct(ctx context.Context, req *catalogv1.UpdateProductRequest) (*catalogv1.UpdateProductResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := apperr.ParseID("product_id", req.GetProductId())
	if err != nil {
		return nil, err
	}
	if req.GetContent() == nil {
		return nil, apperr.InvalidField("content", "is required")
	}
	p, err := s.svc.UpdateProduct(ctx, c, id, contentFrom(req.GetContent()), pbtime.Time(req.GetRevisionUpdatedAt()))
	if err != nil {
		return nil, err
	}
	return &catalogv1.UpdateProductResponse{Product: productProto(p)}, nil
}

// GetProduct returns a product to its owner and operators.
func (s *Server) GetProduct(ctx context.Context, req *catalogv1.GetProductRequest) (*catalogv1.GetProductResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := apperr.ParseID("product_id", req.GetProductId())
	if err != nil {
		return nil, err
	}
	p, err := s.svc.GetProduct(ctx, c, id)
	if err != nil {
		return nil, err
	}
	return &catalogv1.GetProductResponse{Product: productProto(p)}, nil
}

// ListSupplierProducts lists the caller's organization's products.
func (s *Server) ListSupplierProducts(ctx context.Context, req *catalogv1.ListSupplierProductsRequest) (*catalogv1.ListSupplierProductsResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	status, err := productStatus(req.GetStatus())
	if err != nil {
		return nil, err
	}
	page, err := s.svc.ListSupplierProducts(ctx, c, status, req.GetDeleted(), int(req.GetPage().GetPageSize()), req.GetPage().GetPageToken())
	if err != nil {
		return nil, err
	}
	return &catalogv1.ListSupplierProductsResponse{
		Products: productsProto(page.Products), Page: &commonv1.PageResponse{NextPageToken: page.NextPageToken},
	}, nil
}

// ListReviewQueue lists the products waiting for review (reviewers).
func (s *Server) ListReviewQueue(ctx context.Context, req *catalogv1.ListReviewQueueRequest) (*catalogv1.ListReviewQueueResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	page, err := s.svc.ListReviewQueue(ctx, c, int(req.GetPage().GetPageSize()), req.GetPage().GetPageToken())
	if err != nil {
		return nil, err
	}
	return &catalogv1.ListReviewQueueResponse{
		Products: productsProto(page.Products), Page: &commonv1.PageResponse{NextPageToken: page.NextPageToken},
	}, nil
}

// GetProductHistory lists a product's transitions (owner and operators).
func (s *Server) GetProductHistory(ctx context.Context, req *catalogv1.GetProductHistoryRequest) (*catalogv1.GetProductHistoryResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := apperr.ParseID("product_id", req.GetProductId())
	if err != nil {
		return nil, err
	}
	page, err := s.svc.GetProductHistory(ctx, c, id, int(req.GetPage().GetPageSize()), req.GetPage().GetPageToken())
	if err != nil {
		return nil, err
	}
	resp := &catalogv1.GetProductHistoryResponse{Page: &commonv1.PageResponse{NextPageToken: page.NextPageToken}}
	for _, t := range page.Transitions {
		resp.Transitions = append(resp.Transitions, transitionProto(t))
	}
	return resp, nil
}

// UpsertTranslation sets a product's text in a locale (translators).
func (s *Server) UpsertTranslation(ctx context.Context, req *catalogv1.UpsertTranslationRequest) (*catalogv1.UpsertTranslationResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := apperr.ParseID("product_id", req.GetProductId())
	if err != nil {
		return nil, err
	}
	t := req.GetTranslation()
	if t == nil {
		return nil, apperr.InvalidField("translation", "is required")
	}
	saved, err := s.svc.UpsertTranslation(ctx, c, id, domain.TranslationInput{
		Locale: t.GetLocale(), Title: t.GetTitle(), Description: t.GetDescription(), AttributeLabels: t.GetAttributeLabels(),
	})
	if err != nil {
		return nil, err
	}
	return &catalogv1.UpsertTranslationResponse{Translation: translationProto(saved)}, nil
}
