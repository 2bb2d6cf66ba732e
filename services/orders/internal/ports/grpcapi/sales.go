package grpcapi

import (
	"context"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	ordersv1 "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// SalesServer implements ordersv1.SalesServiceServer over the sales use
// cases.
type SalesServer struct {
	ordersv1.UnimplementedSalesServiceServer
	sales *app.Sales
}

// NewSales returns the gRPC API of the sales figures.
func NewSales(sales *app.Sales) *SalesServer { return &SalesServer{sales: sales} }

// Register adds the API to a gRPC server.
func (s *SalesServer) Register(g grpc.ServiceRegistrar) { ordersv1.RegisterSalesServiceServer(g, s) }

// ListSales lists daily sales figures.
func (s *SalesServer) ListSales(ctx context.Context, req *ordersv1.ListSalesRequest) (*ordersv1.ListSalesResponse, error) {
	c, q, err := callerAndQuery(ctx, req)
	if err != nil {
		return nil, err
	}
	rows, next, err := s.sales.ListSales(ctx, c, q, int(req.GetPage().GetPageSize()), req.GetPage().GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &ordersv1.ListSalesResponse{Rows: salesRowsProto(rows), Page: &commonv1.PageResponse{NextPageToken: next}}
	return out, nil
}

// ExportSales returns the figures as CSV.
func (s *SalesServer) ExportSales(ctx context.Context, req *ordersv1.ExportSalesRequest) (*ordersv1.ExportSalesResponse, error) {
	c, q, err := callerAndQuery(ctx, req)
	if err != nil {
		return nil, err
	}
	csv, n, err := s.sales.ExportSales(ctx, c, q)
	if err != nil {
		return nil, err
	}
	return &ordersv1.ExportSalesResponse{Csv: string(csv), RowCount: int32(n)}, nil
}

// GetPurchaseSalesInventory returns a SKU's purchase orders, sales and
// stock.
func (s *SalesServer) GetPurchaseSalesInventory(ctx context.Context, req *ordersv1.GetPurchaseSalesInventoryRequest) (*ordersv1.GetPurchaseSalesInventoryResponse, error) {
	c, err := auth.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	var v apperr.Violations
	sku, err := apperr.ParseID("sku_id", req.GetSkuId())
	_ = v.Merge(err) // ParseID fails with a field violation only
	from, to := day(&v, "from_date", req.GetFromDate()), day(&v, "to_date", req.GetToDate())
	if err := v.Err(); err != nil {
		return nil, err
	}
	psi, err := s.sales.PurchaseSalesInventory(ctx, c, sku, from, to)
	if err != nil {
		return nil, err
	}
	t := psi.Totals
	out := &ordersv1.GetPurchaseSalesInventoryResponse{
		SkuId: psi.SKU.ID.String(), ProductId: psi.SKU.ProductID.String(), SupplierId: psi.SKU.SupplierID.String(),
		PurchaseOrdersTruncated: psi.PurchaseOrdersTruncated, Sales: salesRowsProto(psi.Sales),
		Totals: &ordersv1.PurchaseSalesInventoryTotals{Received: t.Received, Incoming: t.Incoming, UnitsSold: t.UnitsSold,
			UnitsRefunded: t.UnitsRefunded, OnHand: t.OnHand, Reserved: t.Reserved, Available: t.Available},
	}
	for _, po := range psi.PurchaseOrders {
		out.PurchaseOrders = append(out.PurchaseOrders, &ordersv1.SkuPurchaseOrder{
			PurchaseOrderId: po.ID.String(), WarehouseId: po.WarehouseID.String(), Status: po.Status, Reference: po.Reference,
			CreatedAt: timestamppb.New(po.CreatedAt), Ordered: po.Ordered, Received: po.Received})
	}
	for _, l := range psi.Stock {
		out.Stock = append(out.Stock, &ordersv1.SkuStockLevel{WarehouseId: l.WarehouseID.String(), OnHand: l.OnHand,
			Reserved: l.Reserved, Available: l.Available})
	}
	return out, nil
}

// salesFilter is what ListSalesRequest and ExportSalesRequest both carry.
type salesFilter interface {
	GetSupplierId() string
	GetProductId() string
	GetSkuId() string
	GetChannel() string
	GetFromDate() string
	GetToDate() string
	GetGroupBy() ordersv1.SalesGrouping
}

// callerAndQuery reads the caller and a sales request's filter, with a
// field violation per bad field.
func callerAndQuery(ctx context.Context, f salesFilter) (auth.Caller, app.SalesQuery, error) {
	c, err := auth.RequireCaller(ctx)
	if err != nil {
		return c, app.SalesQuery{}, err
	}
	var v apperr.Violations
	q := app.SalesQuery{
		SupplierID: optionalID(&v, "supplier_id", f.GetSupplierId()),
		ProductID:  optionalID(&v, "product_id", f.GetProductId()),
		SKUID:      optionalID(&v, "sku_id", f.GetSkuId()),
		Channel:    f.GetChannel(),
		From:       day(&v, "from_date", f.GetFromDate()),
		To:         day(&v, "to_date", f.GetToDate()),
	}
	switch f.GetGroupBy() {
	case ordersv1.SalesGrouping_SALES_GROUPING_UNSPECIFIED, ordersv1.SalesGrouping_SALES_GROUPING_PRODUCT:
	case ordersv1.SalesGrouping_SALES_GROUPING_SKU:
		q.BySKU = true
	default:
		v.Add("group_by", "is not a grouping")
	}
	if len(q.Channel) > 100 {
		v.Add("channel", "must be at most 100 characters")
	}
	return c, q, v.Err()
}

// optionalID reads an optional UUID field: empty is uuid.Nil.
func optionalID(v *apperr.Violations, field, raw string) uuid.UUID {
	if raw == "" {
		return uuid.Nil
	}
	id, err := uuid.Parse(raw)
	if err != nil {
		v.Add(field, "must be a UUID")
	}
	return id
}

// day reads an optional "YYYY-MM-DD" field as UTC midnight; empty is zero.
func day(v *apperr.Violations, field, raw string) time.Time {
	if raw == "" {
		return time.Time{}
	}
	d, err := time.Parse(app.DayLayout, raw)
	if err != nil {
		v.Add(field, "must be a date, YYYY-MM-DD")
	}
	return d
}

func salesRowsProto(rows []domain.SalesRow) []*ordersv1.SalesRow {
	out := make([]*ordersv1.SalesRow, len(rows))
	for i, r := range rows {
		out[i] = &ordersv1.SalesRow{Day: r.Day.Format(app.DayLayout), ProductId: r.ProductID.String(), SupplierId: r.SupplierID.String(),
			Channel: r.Channel, Currency: r.Currency, UnitsSold: r.UnitsSold, UnitsRefunded: r.UnitsRefunded,
			Gross: moneyProto(r.Gross()), Refunds: moneyProto(r.Refunds()), Net: moneyProto(r.Net())}
		if r.SKUID != uuid.Nil {
			out[i].SkuId = r.SKUID.String()
		}
	}
	return out
}
