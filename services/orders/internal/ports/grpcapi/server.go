// Package grpcapi is the orders service's gRPC edge: it maps protobuf
// messages to the use cases' types and back and returns the use cases'
// apperr errors, which the kit's interceptor turns into statuses.
package grpcapi

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	ordersv1 "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// Server implements ordersv1.OrdersServiceServer over the use cases;
// Coupons the coupons service beside it.
type Server struct {
	ordersv1.UnimplementedOrdersServiceServer
	svc *app.Service
}

// New returns the gRPC API of svc.
func New(svc *app.Service) *Server { return &Server{svc: svc} }

// Register adds the API, the orders and the coupons services, to a gRPC
// server.
func (s *Server) Register(g grpc.ServiceRegistrar) {
	ordersv1.RegisterOrdersServiceServer(g, s)
	ordersv1.RegisterCouponsServiceServer(g, &Coupons{svc: s.svc})
}

// GetCart returns the caller's cart.
func (s *Server) GetCart(ctx context.Context, _ *ordersv1.GetCartRequest) (*ordersv1.GetCartResponse, error) {
	c, err := auth.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	v, err := s.svc.GetCart(ctx, c)
	if err != nil {
		return nil, err
	}
	return &ordersv1.GetCartResponse{Cart: cartProto(v)}, nil
}

// SetCartLine changes a line of the caller's cart.
func (s *Server) SetCartLine(ctx context.Context, req *ordersv1.SetCartLineRequest) (*ordersv1.SetCartLineResponse, error) {
	c, sku, err := callerAnd(ctx, "sku_id", req.GetSkuId())
	if err != nil {
		return nil, err
	}
	v, err := s.svc.SetCartLine(ctx, c, sku, req.GetQuantity())
	if err != nil {
		return nil, err
	}
	return &ordersv1.SetCartLineResponse{Cart: cartProto(v)}, nil
}

// ClearCart empties the caller's cart.
func (s *Server) ClearCart(ctx context.Context, _ *ordersv1.ClearCartRequest) (*ordersv1.ClearCartResponse, error) {
	c, err := auth.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	v, err := s.svc.ClearCart(ctx, c)
	if err != nil {
		return nil, err
	}
	return &ordersv1.ClearCartResponse{Cart: cartProto(v)}, nil
}

func cartProto(v app.CartView) *ordersv1.Cart {
	out := &ordersv1.Cart{}
	if !v.UpdatedAt.IsZero() {
		out.UpdatedAt = timestamppb.New(v.UpdatedAt)
	}
	for _, l := range v.Lines {
		line := &ordersv1.CartLine{SkuId: l.SKUID.String(), Quantity: l.Quantity, OnSale: l.SKU != nil && l.SKU.OnSale,
			Available: l.Available, Problem: l.Problem, AddedAt: timestamppb.New(l.AddedAt), LineTotal: moneyProto(l.Total)}
		if sku := l.SKU; sku != nil {
			line.ProductId, line.SupplierId, line.UnitPrice = sku.ProductID.String(), sku.SupplierID.String(), moneyProto(sku.Price)
			line.Type = ordersv1.ProductType_PRODUCT_TYPE_PHYSICAL
			if sku.Type == domain.Virtual {
				line.Type = ordersv1.ProductType_PRODUCT_TYPE_VIRTUAL
			}
		}
		out.Lines = append(out.Lines, line)
	}
	for _, t := range v.Totals {
		out.Totals = append(out.Totals, moneyProto(t))
	}
	return out
}

func moneyProto(m money.Money) *commonv1.Money {
	if m.Currency == "" {
		return nil
	}
	return &commonv1.Money{AmountMinor: m.Amount, CurrencyCode: m.Currency}
}
