package grpcapi

import (
	"context"

	"github.com/google/uuid"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/pbtime"
	"github.com/crossdock/crossdock/services/catalog/internal/domain"
)

// workflowStep runs one review-workflow use case on the request's product
// and returns the product as it is afterwards.
func (s *Server) workflowStep(ctx context.Context, productID string, run func(auth.Caller, uuid.UUID) (domain.Product, error)) (*catalogv1.Product, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := apperr.ParseID("product_id", productID)
	if err != nil {
		return nil, err
	}
	p, err := run(c, id)
	if err != nil {
		return nil, err
	}
	return productProto(p), nil
}

// SubmitProduct sends the pending revision to review (the owner).
func (s *Server) SubmitProduct(ctx context.Context, req *catalogv1.SubmitProductRequest) (*catalogv1.SubmitProductResponse, error) {
	p, err := s.workflowStep(ctx, req.GetProductId(), func(c auth.Caller, id uuid.UUID) (domain.Product, error) {
		return s.svc.SubmitProduct(ctx, c, id)
	})
	if err != nil {
		return nil, err
	}
	return &catalogv1.SubmitProductResponse{Product: p}, nil
}

// ApproveProduct approves the submitted revision (reviewers).
func (s *Server) ApproveProduct(ctx context.Context, req *catalogv1.ApproveProductRequest) (*catalogv1.ApproveProductResponse, error) {
	p, err := s.workflowStep(ctx, req.GetProductId(), func(c auth.Caller, id uuid.UUID) (domain.Product, error) {
		return s.svc.ApproveProduct(ctx, c, id, pbtime.Time(req.GetRevisionUpdatedAt()))
	})
	if err != nil {
		return nil, err
	}
	return &catalogv1.ApproveProductResponse{Product: p}, nil
}

// RejectProduct refuses the submitted revision (reviewers).
func (s *Server) RejectProduct(ctx context.Context, req *catalogv1.RejectProductRequest) (*catalogv1.RejectProductResponse, error) {
	p, err := s.workflowStep(ctx, req.GetProductId(), func(c auth.Caller, id uuid.UUID) (domain.Product, error) {
		return s.svc.RejectProduct(ctx, c, id, req.GetReason(), pbtime.Time(req.GetRevisionUpdatedAt()))
	})
	if err != nil {
		return nil, err
	}
	return &catalogv1.RejectProductResponse{Product: p}, nil
}

// RequestChanges sends the submitted revision back (reviewers).
func (s *Server) RequestChanges(ctx context.Context, req *catalogv1.RequestChangesRequest) (*catalogv1.RequestChangesResponse, error) {
	p, err := s.workflowStep(ctx, req.GetProductId(), func(c auth.Caller, id uuid.UUID) (domain.Product, error) {
		return s.svc.RequestChanges(ctx, c, id, req.GetReason(), pbtime.Time(req.GetRevisionUpdatedAt()))
	})
	if err != nil {
		return nil, err
	}
	return &catalogv1.RequestChangesResponse{Product: p}, nil
}

// RecordQualityCheck records a quality-check result (reviewers).
func (s *Server) RecordQualityCheck(ctx context.Context, req *catalogv1.RecordQualityCheckRequest) (*catalogv1.RecordQualityCheckResponse, error) {
	p, err := s.workflowStep(ctx, req.GetProductId(), func(c auth.Caller, id uuid.UUID) (domain.Product, error) {
		return s.svc.RecordQualityCheck(ctx, c, id, req.GetPassed(), req.GetNotes())
	})
	if err != nil {
		return nil, err
	}
	return &catalogv1.RecordQualityCheckResponse{Product: p}, nil
}

// ListProduct puts an approved product on sale (the owner).
func (s *Server) ListProduct(ctx context.Context, req *catalogv1.ListProductRequest) (*catalogv1.ListProductResponse, error) {
	p, err := s.workflowStep(ctx, req.GetProductId(), func(c auth.Caller, id uuid.UUID) (domain.Product, error) {
		return s.svc.ListProduct(ctx, c, id)
	})
	if err != nil {
		return nil, err
	}
	return &catalogv1.ListProductResponse{Product: p}, nil
}

// DelistProduct takes a product off sale (the owner or a reviewer).
func (s *Server) DelistProduct(ctx context.Context, req *catalogv1.DelistProductRequest) (*catalogv1.DelistProductResponse, error) {
	p, err := s.workflowStep(ctx, req.GetProductId(), func(c auth.Caller, id uuid.UUID) (domain.Product, error) {
		return s.svc.DelistProduct(ctx, c, id, req.GetReason())
	})
	if err != nil {
		return nil, err
	}
	return &catalogv1.DelistProductResponse{Product: p}, nil
}

// DeleteProduct moves a product to the bin (the owner).
func (s *Server) DeleteProduct(ctx context.Context, req *catalogv1.DeleteProductRequest) (*catalogv1.DeleteProductResponse, error) {
	p, err := s.workflowStep(ctx, req.GetProductId(), func(c auth.Caller, id uuid.UUID) (domain.Product, error) {
		return s.svc.DeleteProduct(ctx, c, id)
	})
	if err != nil {
		return nil, err
	}
	return &catalogv1.DeleteProductResponse{Product: p}, nil
}

// RestoreProduct takes a product out of the bin (the owner).
func (s *Server) RestoreProduct(ctx context.Context, req *catalogv1.RestoreProductRequest) (*catalogv1.RestoreProductResponse, error) {
	p, err := s.workflowStep(ctx, req.GetProductId(), func(c auth.Caller, id uuid.UUID) (domain.Product, error) {
		return s.svc.RestoreProduct(ctx, c, id)
	})
	if err != nil {
		return nil, err
	}
	return &catalogv1.RestoreProductResponse{Product: p}, nil
}
