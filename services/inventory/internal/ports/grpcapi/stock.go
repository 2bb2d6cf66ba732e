package grpcapi

import (
	"context"
	"strconv"

	"github.com/google/uuid"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/idempotency"
	"github.com/crossdock/crossdock/services/inventory/internal/app"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

// CreateWarehouse adds a supplier's warehouse (its members) or a central one
// (admins).
func (s *Server) CreateWarehouse(ctx context.Context, req *inventoryv1.CreateWarehouseRequest) (*inventoryv1.CreateWarehouseResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	w, err := s.svc.CreateWarehouse(ctx, c, domain.WarehouseInput{
		Name: req.GetName(), Kind: warehouseKind(req.GetKind()), CountryCode: req.GetCountryCode(), RegionCode: req.GetRegionCode(),
	}, idempotency.Key(ctx, req.GetIdempotencyKey()))
	if err != nil {
		return nil, err
	}
	return &inventoryv1.CreateWarehouseResponse{Warehouse: warehouseProto(w)}, nil
}

// ListWarehouses lists the caller's organization's warehouses (operators: all).
func (s *Server) ListWarehouses(ctx context.Context, req *inventoryv1.ListWarehousesRequest) (*inventoryv1.ListWarehousesResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var v apperr.Violations
	only := apperr.ParseIDs(&v, "warehouse_ids", req.GetWarehouseIds())
	if len(req.GetWarehouseIds()) > app.MaxListedWarehouses {
		v.Add("warehouse_ids", "may name at most "+strconv.Itoa(app.MaxListedWarehouses)+" warehouses")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	ws, err := s.svc.ListWarehouses(ctx, c, only...)
	if err != nil {
		return nil, err
	}
	resp := &inventoryv1.ListWarehousesResponse{}
	for _, w := range ws {
		resp.Warehouses = append(resp.Warehouses, warehouseProto(w))
	}
	return resp, nil
}

// AdjustStock changes on-hand stock by a signed quantity (the owner).
func (s *Server) AdjustStock(ctx context.Context, req *inventoryv1.AdjustStockRequest) (*inventoryv1.AdjustStockResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var p ids
	in := app.AdjustInput{
		WarehouseID: p.required("warehouse_id", req.GetWarehouseId()), SKUID: p.required("sku_id", req.GetSkuId()),
		Delta: req.GetQuantityDelta(), Reason: req.GetReason(), IdempotencyKey: idempotency.Key(ctx, req.GetIdempotencyKey()),
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	level, err := s.svc.AdjustStock(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &inventoryv1.AdjustStockResponse{Level: levelProto(level)}, nil
}

// GetStock returns a SKU's levels per warehouse.
func (s *Server) GetStock(ctx context.Context, req *inventoryv1.GetStockRequest) (*inventoryv1.GetStockResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var p ids
	sku := p.required("sku_id", req.GetSkuId())
	if err := p.err(); err != nil {
		return nil, err
	}
	levels, err := s.svc.GetStock(ctx, c, sku)
	if err != nil {
		return nil, err
	}
	resp := &inventoryv1.GetStockResponse{}
	for _, l := range levels {
		resp.Levels = append(resp.Levels, levelProto(l))
	}
	return resp, nil
}

// ListStock lists the levels in one warehouse.
func (s *Server) ListStock(ctx context.Context, req *inventoryv1.ListStockRequest) (*inventoryv1.ListStockResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var p ids
	w := p.required("warehouse_id", req.GetWarehouseId())
	if err := p.err(); err != nil {
		return nil, err
	}
	pg, err := s.svc.ListStock(ctx, c, w, page(req.GetPage()))
	if err != nil {
		return nil, err
	}
	resp := &inventoryv1.ListStockResponse{Page: &commonv1.PageResponse{NextPageToken: pg.NextPageToken}}
	for _, l := range pg.Levels {
		resp.Levels = append(resp.Levels, levelProto(l))
	}
	return resp, nil
}

// GetAvailability returns units available to order per SKU; public.
func (s *Server) GetAvailability(ctx context.Context, req *inventoryv1.GetAvailabilityRequest) (*inventoryv1.GetAvailabilityResponse, error) {
	var p ids
	var skus []uuid.UUID
	if len(req.GetSkuIds()) <= app.MaxAvailabilitySKUs { // more is refused by the use case
		for i, raw := range req.GetSkuIds() {
			skus = append(skus, p.required("sku_ids["+strconv.Itoa(i)+"]", raw))
		}
		if err := p.err(); err != nil {
			return nil, err
		}
	} else {
		skus = make([]uuid.UUID, len(req.GetSkuIds()))
	}
	avail, err := s.svc.GetAvailability(ctx, skus)
	if err != nil {
		return nil, err
	}
	resp := &inventoryv1.GetAvailabilityResponse{}
	for _, a := range avail {
		resp.Availability = append(resp.Availability, &inventoryv1.Availability{SkuId: a.SKUID.String(), Available: a.Available})
	}
	return resp, nil
}

// SetLowStockThreshold sets the level under which LowStock is emitted (the owner).
func (s *Server) SetLowStockThreshold(ctx context.Context, req *inventoryv1.SetLowStockThresholdRequest) (*inventoryv1.SetLowStockThresholdResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var p ids
	w, sku := p.required("warehouse_id", req.GetWarehouseId()), p.required("sku_id", req.GetSkuId())
	if err := p.err(); err != nil {
		return nil, err
	}
	level, err := s.svc.SetLowStockThreshold(ctx, c, w, sku, req.GetThreshold())
	if err != nil {
		return nil, err
	}
	return &inventoryv1.SetLowStockThresholdResponse{Level: levelProto(level)}, nil
}

// ListJournal lists a SKU's stock movements, newest first.
func (s *Server) ListJournal(ctx context.Context, req *inventoryv1.ListJournalRequest) (*inventoryv1.ListJournalResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var p ids
	sku, w := p.required("sku_id", req.GetSkuId()), p.optional("warehouse_id", req.GetWarehouseId())
	if err := p.err(); err != nil {
		return nil, err
	}
	pg, err := s.svc.ListJournal(ctx, c, sku, w, page(req.GetPage()))
	if err != nil {
		return nil, err
	}
	resp := &inventoryv1.ListJournalResponse{Page: &commonv1.PageResponse{NextPageToken: pg.NextPageToken}}
	for _, m := range pg.Entries {
		resp.Entries = append(resp.Entries, journalProto(m))
	}
	return resp, nil
}

// SyncStock sets absolute on-hand levels by the supplier's SKU codes.
func (s *Server) SyncStock(ctx context.Context, req *inventoryv1.SyncStockRequest) (*inventoryv1.SyncStockResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var p ids
	w := p.required("warehouse_id", req.GetWarehouseId())
	org := p.optional("supplier_org_id", req.GetSupplierOrgId())
	if err := p.err(); err != nil {
		return nil, err
	}
	in := app.SyncInput{SyncID: req.GetSyncId(), WarehouseID: w, SupplierOrgID: org}
	if req.GetCountedAt() != nil {
		in.CountedAt = req.GetCountedAt().AsTime()
	}
	for _, l := range req.GetLines() {
		in.Lines = append(in.Lines, domain.SyncLine{Code: l.GetSkuCode(), OnHand: l.GetOnHand()})
	}
	results, err := s.svc.SyncStock(ctx, c, in)
	if err != nil {
		return nil, err
	}
	resp := &inventoryv1.SyncStockResponse{}
	for _, r := range results {
		resp.Results = append(resp.Results, &inventoryv1.SyncLineResult{
			SkuCode: r.Code, Status: syncStatuses[r.Status], SkuId: r.SKUID, Message: r.Message,
		})
	}
	return resp, nil
}
