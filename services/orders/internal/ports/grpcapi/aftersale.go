package grpcapi

import (
	"context"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	ordersv1 "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/orders/internal/adapters/peers"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// AfterSale implements ordersv1.AfterSaleServiceServer over the use cases.
type AfterSale struct {
	ordersv1.UnimplementedAfterSaleServiceServer
	svc *app.Service
}

// NewAfterSale returns the after-sale gRPC API of svc.
func NewAfterSale(svc *app.Service) *AfterSale { return &AfterSale{svc: svc} }

// Register adds the API to a gRPC server.
func (s *AfterSale) Register(g grpc.ServiceRegistrar) { ordersv1.RegisterAfterSaleServiceServer(g, s) }

var afterSaleKinds = map[ordersv1.AfterSaleKind]domain.AfterSaleKind{
	ordersv1.AfterSaleKind_AFTER_SALE_KIND_RETURN:   domain.Return,
	ordersv1.AfterSaleKind_AFTER_SALE_KIND_EXCHANGE: domain.Exchange,
}

// FileAfterSale files a return or exchange request.
func (s *AfterSale) FileAfterSale(ctx context.Context, req *ordersv1.FileAfterSaleRequest) (*ordersv1.FileAfterSaleResponse, error) {
	c, sub, err := callerAnd(ctx, "sub_order_id", req.GetSubOrderId())
	if err != nil {
		return nil, err
	}
	in := domain.AfterSaleInput{RequestID: req.GetRequestId(), Kind: afterSaleKinds[req.GetKind()], Reason: req.GetReason(), Photos: req.GetPhotos()}
	var v apperr.Violations
	for i, l := range req.GetLines() {
		id, err := uuid.Parse(l.GetSkuId())
		if err != nil {
			v.Add(apperr.Index("lines", i, "sku_id"), "must be a UUID")
			continue
		}
		in.Lines = append(in.Lines, domain.AfterSaleLineInput{SKUID: id, Quantity: l.GetQuantity()})
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	a, err := s.svc.FileAfterSale(ctx, c, sub, in)
	if err != nil {
		return nil, err
	}
	return &ordersv1.FileAfterSaleResponse{AfterSale: afterSaleProto(a)}, nil
}

// GetAfterSale returns a request.
func (s *AfterSale) GetAfterSale(ctx context.Context, req *ordersv1.GetAfterSaleRequest) (*ordersv1.GetAfterSaleResponse, error) {
	c, id, err := callerAnd(ctx, "after_sale_id", req.GetAfterSaleId())
	if err != nil {
		return nil, err
	}
	a, err := s.svc.GetAfterSale(ctx, c, id)
	if err != nil {
		return nil, err
	}
	return &ordersv1.GetAfterSaleResponse{AfterSale: afterSaleProto(a)}, nil
}

// ListAfterSales lists requests.
func (s *AfterSale) ListAfterSales(ctx context.Context, req *ordersv1.ListAfterSalesRequest) (*ordersv1.ListAfterSalesResponse, error) {
	c, err := auth.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	f := app.AfterSaleFilter{Status: domain.AfterSaleStatus(req.GetStatus())}
	if f.Status != "" && !domain.KnownAfterSaleStatus(f.Status) {
		// A misspelt filter would answer an empty list, as if nothing matched.
		return nil, apperr.InvalidField("status", "must be one of requested, rejected, disputed, approved, received, refunded, "+
			"replacement_shipped, exchanged, withdrawn, expired")
	}
	if req.GetOrderId() != "" {
		if f.OrderID, err = apperr.ParseID("order_id", req.GetOrderId()); err != nil {
			return nil, err
		}
	}
	list, next, err := s.svc.ListAfterSales(ctx, c, f, int(req.GetPage().GetPageSize()), req.GetPage().GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &ordersv1.ListAfterSalesResponse{Page: &commonv1.PageResponse{NextPageToken: next}}
	for _, a := range list {
		out.AfterSales = append(out.AfterSales, afterSaleProto(a))
	}
	return out, nil
}

// DecideAfterSale approves or rejects a request.
func (s *AfterSale) DecideAfterSale(ctx context.Context, req *ordersv1.DecideAfterSaleRequest) (*ordersv1.DecideAfterSaleResponse, error) {
	c, id, err := callerAnd(ctx, "after_sale_id", req.GetAfterSaleId())
	if err != nil {
		return nil, err
	}
	a, err := s.svc.DecideAfterSale(ctx, c, id, req.GetApprove(), req.GetReason())
	if err != nil {
		return nil, err
	}
	return &ordersv1.DecideAfterSaleResponse{AfterSale: afterSaleProto(a)}, nil
}

// DisputeAfterSale contests a rejection.
func (s *AfterSale) DisputeAfterSale(ctx context.Context, req *ordersv1.DisputeAfterSaleRequest) (*ordersv1.DisputeAfterSaleResponse, error) {
	c, id, err := callerAnd(ctx, "after_sale_id", req.GetAfterSaleId())
	if err != nil {
		return nil, err
	}
	a, err := s.svc.DisputeAfterSale(ctx, c, id, req.GetReason())
	if err != nil {
		return nil, err
	}
	return &ordersv1.DisputeAfterSaleResponse{AfterSale: afterSaleProto(a)}, nil
}

// WithdrawAfterSale takes a request back.
func (s *AfterSale) WithdrawAfterSale(ctx context.Context, req *ordersv1.WithdrawAfterSaleRequest) (*ordersv1.WithdrawAfterSaleResponse, error) {
	c, id, err := callerAnd(ctx, "after_sale_id", req.GetAfterSaleId())
	if err != nil {
		return nil, err
	}
	a, err := s.svc.WithdrawAfterSale(ctx, c, id)
	if err != nil {
		return nil, err
	}
	return &ordersv1.WithdrawAfterSaleResponse{AfterSale: afterSaleProto(a)}, nil
}

// ReceiveReturn records the goods back with the supplier.
func (s *AfterSale) ReceiveReturn(ctx context.Context, req *ordersv1.ReceiveReturnRequest) (*ordersv1.ReceiveReturnResponse, error) {
	c, id, err := callerAnd(ctx, "after_sale_id", req.GetAfterSaleId())
	if err != nil {
		return nil, err
	}
	var warehouse *uuid.UUID
	if req.GetWarehouseId() != "" {
		w, err := apperr.ParseID("warehouse_id", req.GetWarehouseId())
		if err != nil {
			return nil, err
		}
		warehouse = &w
	}
	a, err := s.svc.ReceiveReturn(ctx, c, id, req.GetRestockable(), warehouse)
	if err != nil {
		return nil, err
	}
	return &ordersv1.ReceiveReturnResponse{AfterSale: afterSaleProto(a)}, nil
}

// ShipReplacement sends an exchange's replacement.
func (s *AfterSale) ShipReplacement(ctx context.Context, req *ordersv1.ShipReplacementRequest) (*ordersv1.ShipReplacementResponse, error) {
	c, id, err := callerAnd(ctx, "after_sale_id", req.GetAfterSaleId())
	if err != nil {
		return nil, err
	}
	var method uuid.UUID
	if req.GetMethodId() != "" {
		if method, err = apperr.ParseID("method_id", req.GetMethodId()); err != nil {
			return nil, err
		}
	}
	var from domain.Address
	if req.GetFrom() != nil {
		from = peers.AddressFromProto(req.GetFrom())
	}
	a, err := s.svc.ShipReplacement(ctx, c, id, method, from)
	if err != nil {
		return nil, err
	}
	return &ordersv1.ShipReplacementResponse{AfterSale: afterSaleProto(a)}, nil
}

// DeclareReplacementLost closes an exchange whose replacement will not
// arrive: it becomes a return.
func (s *AfterSale) DeclareReplacementLost(ctx context.Context, req *ordersv1.DeclareReplacementLostRequest) (*ordersv1.DeclareReplacementLostResponse, error) {
	c, id, err := callerAnd(ctx, "after_sale_id", req.GetAfterSaleId())
	if err != nil {
		return nil, err
	}
	a, err := s.svc.DeclareReplacementLost(ctx, c, id, req.GetReason())
	if err != nil {
		return nil, err
	}
	return &ordersv1.DeclareReplacementLostResponse{AfterSale: afterSaleProto(a)}, nil
}

func afterSaleProto(a domain.AfterSale) *ordersv1.AfterSale {
	out := &ordersv1.AfterSale{
		AfterSaleId: a.ID.String(), SubOrderId: a.SubOrderID.String(), OrderId: a.OrderID.String(), BuyerId: a.BuyerID,
		SupplierId: a.SupplierID.String(), Status: string(a.Status), Reason: a.Reason, Photos: a.Photos, Decision: a.Decision,
		Dispute: a.Dispute, Refund: moneyProto(a.Refund), ClawBack: a.ClawBack, Received: a.Received, Restockable: a.Restockable,
		ReturnWaybill: a.ReturnWaybill, ReplacementWaybill: a.ReplacementWaybill,
		CreatedAt: timestamppb.New(a.CreatedAt), UpdatedAt: timestamppb.New(a.UpdatedAt),
	}
	if a.CashRefund != nil {
		out.CashRefund = moneyProto(money.Money{Amount: *a.CashRefund, Currency: a.Refund.Currency})
	}
	for k, v := range afterSaleKinds {
		if v == a.Kind {
			out.Kind = k
		}
	}
	for _, l := range a.Lines {
		out.Lines = append(out.Lines, &ordersv1.AfterSaleLine{SkuId: l.SKUID.String(), ProductId: l.ProductID.String(), Quantity: l.Quantity, Amount: moneyProto(l.Amount)})
	}
	return out
}
