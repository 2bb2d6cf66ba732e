package grpcapi

import (
	"context"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	"github.com/crossdock/crossdock/pkg/idempotency"
	"github.com/crossdock/crossdock/services/inventory/internal/app"
)

// CreatePurchaseOrder records inbound stock expected at a warehouse (the owner).
func (s *Server) CreatePurchaseOrder(ctx context.Context, req *inventoryv1.CreatePurchaseOrderRequest) (*inventoryv1.CreatePurchaseOrderResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var p ids
	w := p.required("warehouse_id", req.GetWarehouseId())
	lines := p.orderLines(req.GetLines())
	if err := p.err(); err != nil {
		return nil, err
	}
	po, err := s.svc.CreatePurchaseOrder(ctx, c, app.PurchaseOrderInput{
		WarehouseID: w, Lines: lines, Reference: req.GetReference(),
		IdempotencyKey: idempotency.Key(ctx, req.GetIdempotencyKey()),
	})
	if err != nil {
		return nil, err
	}
	return &inventoryv1.CreatePurchaseOrderResponse{PurchaseOrder: poProto(po)}, nil
}

// ReceivePurchaseOrder books received quantities (the owner).
func (s *Server) ReceivePurchaseOrder(ctx context.Context, req *inventoryv1.ReceivePurchaseOrderRequest) (*inventoryv1.ReceivePurchaseOrderResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var p ids
	id := p.required("purchase_order_id", req.GetPurchaseOrderId())
	lines := p.orderLines(req.GetLines())
	if err := p.err(); err != nil {
		return nil, err
	}
	po, err := s.svc.ReceivePurchaseOrder(ctx, c, id, req.GetReceiptId(), lines)
	if err != nil {
		return nil, err
	}
	return &inventoryv1.ReceivePurchaseOrderResponse{PurchaseOrder: poProto(po)}, nil
}

// CancelPurchaseOrder cancels what is not received yet (the owner).
func (s *Server) CancelPurchaseOrder(ctx context.Context, req *inventoryv1.CancelPurchaseOrderRequest) (*inventoryv1.CancelPurchaseOrderResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var p ids
	id := p.required("purchase_order_id", req.GetPurchaseOrderId())
	if err := p.err(); err != nil {
		return nil, err
	}
	po, err := s.svc.CancelPurchaseOrder(ctx, c, id, req.GetReason())
	if err != nil {
		return nil, err
	}
	return &inventoryv1.CancelPurchaseOrderResponse{PurchaseOrder: poProto(po)}, nil
}

// GetPurchaseOrder returns one purchase order (the owner and operators).
func (s *Server) GetPurchaseOrder(ctx context.Context, req *inventoryv1.GetPurchaseOrderRequest) (*inventoryv1.GetPurchaseOrderResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var p ids
	id := p.required("purchase_order_id", req.GetPurchaseOrderId())
	if err := p.err(); err != nil {
		return nil, err
	}
	po, err := s.svc.GetPurchaseOrder(ctx, c, id)
	if err != nil {
		return nil, err
	}
	return &inventoryv1.GetPurchaseOrderResponse{PurchaseOrder: poProto(po)}, nil
}

// ListPurchaseOrders lists the caller's organization's purchase orders.
func (s *Server) ListPurchaseOrders(ctx context.Context, req *inventoryv1.ListPurchaseOrdersRequest) (*inventoryv1.ListPurchaseOrdersResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	pg, err := s.svc.ListPurchaseOrders(ctx, c, page(req.GetPage()))
	if err != nil {
		return nil, err
	}
	resp := &inventoryv1.ListPurchaseOrdersResponse{Page: &commonv1.PageResponse{NextPageToken: pg.NextPageToken}}
	for _, po := range pg.PurchaseOrders {
		resp.PurchaseOrders = append(resp.PurchaseOrders, poProto(po))
	}
	return resp, nil
}
