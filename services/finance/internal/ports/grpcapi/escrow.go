package grpcapi

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/enummap"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain/escrow"
)

// EscrowServer implements financev1.EscrowServiceServer over the escrow
// commands.
type EscrowServer struct {
	financev1.UnimplementedEscrowServiceServer
	escrows *app.Escrows
}

// NewEscrows returns the gRPC API of the escrow commands.
func NewEscrows(e *app.Escrows) *EscrowServer { return &EscrowServer{escrows: e} }

// Register adds the API to a gRPC server.
func (s *EscrowServer) Register(g grpc.ServiceRegistrar) { financev1.RegisterEscrowServiceServer(g, s) }

// amountOf reads a required Money field; a missing one is InvalidArgument
// naming the field.
func amountOf(field string, m *commonv1.Money) (int64, string, error) {
	if m == nil {
		return 0, "", apperr.InvalidField(field, "is required")
	}
	return m.GetAmountMinor(), m.GetCurrencyCode(), nil
}

// PayCheckout pays a checkout into its sub-orders' escrows (services).
func (s *EscrowServer) PayCheckout(ctx context.Context, req *financev1.PayCheckoutRequest) (*financev1.PayCheckoutResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	in := app.CheckoutInput{OrderID: req.GetOrderId(), BuyerID: req.GetBuyerId(), BuyerCurrency: req.GetBuyerCurrency(),
		MerchantOrgID: req.GetMerchantOrgId(), QuoteIDs: req.GetQuoteIds()}
	for _, sh := range req.GetSubOrders() {
		in.Shares = append(in.Shares, escrow.Share{SubOrderID: sh.GetSubOrderId(), SupplierOrgID: sh.GetSupplierOrgId(),
			SupplierCurrency: sh.GetAmount().GetCurrencyCode(), Amount: sh.GetAmount().GetAmountMinor()})
	}
	res, err := s.escrows.PayCheckout(ctx, c, in)
	if err != nil {
		return nil, err
	}
	out := &financev1.PayCheckoutResponse{Total: money(res.Total, in.BuyerCurrency), Replayed: res.Replayed}
	for _, p := range res.Shares {
		ps := &financev1.PaidShare{SubOrderId: p.SubOrderID, Paid: money(p.Paid, in.BuyerCurrency), Escrowed: money(p.Escrowed, p.SupplierCurrency)}
		if p.Rate != nil {
			ps.Rate = p.Rate.Rate
		}
		out.SubOrders = append(out.SubOrders, ps)
	}
	return out, nil
}

// PayFreightLeg pays a carrier's charge from escrow (services).
func (s *EscrowServer) PayFreightLeg(ctx context.Context, req *financev1.PayFreightLegRequest) (*financev1.PayFreightLegResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	amount, cur, err := amountOf("amount", req.GetAmount())
	if err != nil {
		return nil, err
	}
	res, err := s.escrows.PayFreightLeg(ctx, c, escrow.FreightLeg{SubOrderID: req.GetSubOrderId(), LegID: req.GetLegId(), CarrierID: req.GetCarrierId(), Amount: amount, Currency: cur,
		FromPlatform: req.GetFromPlatform(), AfterSaleID: req.GetAfterSaleId()})
	if err != nil {
		return nil, err
	}
	return &financev1.PayFreightLegResponse{Replayed: res.Replayed}, nil
}

// SettleSubOrder settles a sub-order or asks for a top-up (services).
func (s *EscrowServer) SettleSubOrder(ctx context.Context, req *financev1.SettleSubOrderRequest) (*financev1.SettleSubOrderResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	goods, cur, err := amountOf("goods", req.GetGoods())
	if err != nil {
		return nil, err
	}
	res, err := s.escrows.SettleSubOrder(ctx, c, req.GetSubOrderId(), goods, cur)
	if err != nil {
		return nil, err
	}
	return &financev1.SettleSubOrderResponse{Escrow: escrowProto(res.Record, -1), TopUpRequest: topUpRequestProto(res, res.Record)}, nil
}

// PayTopUpRequest pays a top-up request (its buyer, or services).
func (s *EscrowServer) PayTopUpRequest(ctx context.Context, req *financev1.PayTopUpRequestRequest) (*financev1.PayTopUpRequestResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	res, err := s.escrows.PayTopUp(ctx, c, req.GetRequestId())
	if err != nil {
		return nil, err
	}
	return &financev1.PayTopUpRequestResponse{Escrow: escrowProto(res.Record, -1), TopUpRequest: topUpRequestProto(res, res.Record)}, nil
}

// RefundSubOrder refunds or claws back (services).
func (s *EscrowServer) RefundSubOrder(ctx context.Context, req *financev1.RefundSubOrderRequest) (*financev1.RefundSubOrderResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	amount, cur, err := amountOf("amount", req.GetAmount())
	if err != nil {
		return nil, err
	}
	res, err := s.escrows.RefundSubOrder(ctx, c, req.GetSubOrderId(), req.GetRefundId(), amount, cur)
	if err != nil {
		return nil, err
	}
	out := &financev1.RefundSubOrderResponse{ClawBack: res.ClawBack, Waiting: res.Waiting, Replayed: res.Replayed}
	if !res.Waiting {
		out.Refunded = money(res.Refunded, res.Currency)
	}
	return out, nil
}

// RetryWaitingRefunds retries waiting claw-backs (services, admins).
func (s *EscrowServer) RetryWaitingRefunds(ctx context.Context, req *financev1.RetryWaitingRefundsRequest) (*financev1.RetryWaitingRefundsResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	limit := int(req.GetLimit())
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	n, err := s.escrows.RetryWaitingRefunds(ctx, c, limit)
	if err != nil {
		return nil, err
	}
	return &financev1.RetryWaitingRefundsResponse{Refunded: int32(n)}, nil
}

// FundCoupon pays a platform-funded discount into escrow (services).
func (s *EscrowServer) FundCoupon(ctx context.Context, req *financev1.FundCouponRequest) (*financev1.FundCouponResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	amount, cur, err := amountOf("amount", req.GetAmount())
	if err != nil {
		return nil, err
	}
	res, err := s.escrows.FundCoupon(ctx, c, req.GetSubOrderId(), req.GetCouponId(), amount, cur)
	if err != nil {
		return nil, err
	}
	return &financev1.FundCouponResponse{Replayed: res.Replayed}, nil
}

// ReclaimCoupon takes a returned good's coupon funding back from the
// supplier (services).
func (s *EscrowServer) ReclaimCoupon(ctx context.Context, req *financev1.ReclaimCouponRequest) (*financev1.ReclaimCouponResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	amount, cur, err := amountOf("amount", req.GetAmount())
	if err != nil {
		return nil, err
	}
	res, err := s.escrows.ReclaimCoupon(ctx, c, req.GetSubOrderId(), req.GetCouponId(), req.GetReclaimId(), amount, cur)
	if err != nil {
		return nil, err
	}
	return &financev1.ReclaimCouponResponse{Replayed: res.Replayed}, nil
}

// CreditPartnerSettlement books a partner line (services).
func (s *EscrowServer) CreditPartnerSettlement(ctx context.Context, req *financev1.CreditPartnerSettlementRequest) (*financev1.CreditPartnerSettlementResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	gross, cur, err := amountOf("gross", req.GetGross())
	if err != nil {
		return nil, err
	}
	p, err := s.escrows.CreditPartnerSettlement(ctx, c, app.PartnerCreditInput{PartnerID: req.GetPartnerId(), LineID: req.GetLineId(),
		SupplierOrgID: req.GetSupplierOrgId(), Currency: cur, Gross: gross, Fees: req.GetFeesMinor()})
	if err != nil {
		return nil, err
	}
	return &financev1.CreditPartnerSettlementResponse{SupplierNet: money(p.SupplierNet, cur), Commission: money(p.Commission, cur), Fees: money(p.Fees, cur)}, nil
}

// RecordPartnerWithdrawal records a withdrawal from a partner virtual
// account (services).
func (s *EscrowServer) RecordPartnerWithdrawal(ctx context.Context, req *financev1.RecordPartnerWithdrawalRequest) (*financev1.RecordPartnerWithdrawalResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	amount, cur, err := amountOf("amount", req.GetAmount())
	if err != nil {
		return nil, err
	}
	res, err := s.escrows.RecordPartnerWithdrawal(ctx, c, app.PartnerWithdrawalInput{PartnerID: req.GetPartnerId(), WithdrawalID: req.GetWithdrawalId(),
		Amount: amount, Currency: cur, ExcessUnallocated: req.GetExcessUnallocated()})
	if err != nil {
		return nil, err
	}
	return &financev1.RecordPartnerWithdrawalResponse{Replayed: res.Replayed, TransferId: res.Transfers[0].ID,
		Unallocated: money(res.Unallocated, cur)}, nil
}

// AllocatePartnerReceipts moves money out of a partner's unallocated
// receipts (admins).
func (s *EscrowServer) AllocatePartnerReceipts(ctx context.Context, req *financev1.AllocatePartnerReceiptsRequest) (*financev1.AllocatePartnerReceiptsResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	amount, cur, err := amountOf("amount", req.GetAmount())
	if err != nil {
		return nil, err
	}
	res, err := s.escrows.AllocatePartnerReceipts(ctx, c, app.PartnerAllocationInput{PartnerID: req.GetPartnerId(), AllocationID: req.GetAllocationId(),
		Amount: amount, Currency: cur, To: allocationsOf[req.GetAllocation()], Note: req.GetNote()})
	if err != nil {
		return nil, err
	}
	return &financev1.AllocatePartnerReceiptsResponse{Replayed: res.Replayed, TransferId: res.Transfers[0].ID}, nil
}

// RecordCarrierPayment records a payment to a carrier (admins).
func (s *EscrowServer) RecordCarrierPayment(ctx context.Context, req *financev1.RecordCarrierPaymentRequest) (*financev1.RecordCarrierPaymentResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	amount, cur, err := amountOf("amount", req.GetAmount())
	if err != nil {
		return nil, err
	}
	res, err := s.escrows.RecordCarrierPayment(ctx, c, app.CarrierPaymentInput{CarrierID: req.GetCarrierId(), PaymentID: req.GetPaymentId(),
		Amount: amount, Currency: cur, Note: req.GetNote()})
	if err != nil {
		return nil, err
	}
	return &financev1.RecordCarrierPaymentResponse{Replayed: res.Replayed, TransferId: res.Transfers[0].ID}, nil
}

// allocationsOf maps the API's receipt allocations to the domain's; an
// unknown one maps to none and is refused by the plan.
var allocationsOf = enummap.Invert(app.ReceiptAllocations)

// SetCommissionRate sets a supplier's commission (admins).
func (s *EscrowServer) SetCommissionRate(ctx context.Context, req *financev1.SetCommissionRateRequest) (*financev1.SetCommissionRateResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.escrows.SetCommissionRate(ctx, c, req.GetSupplierOrgId(), req.GetCommissionBps()); err != nil {
		return nil, err
	}
	return &financev1.SetCommissionRateResponse{}, nil
}

// GetSubOrderEscrow reads a sub-order's escrow (services, admins, its buyer).
func (s *EscrowServer) GetSubOrderEscrow(ctx context.Context, req *financev1.GetSubOrderEscrowRequest) (*financev1.GetSubOrderEscrowResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	r, bal, err := s.escrows.GetSubOrderEscrow(ctx, c, req.GetSubOrderId())
	if err != nil {
		return nil, err
	}
	return &financev1.GetSubOrderEscrowResponse{Escrow: escrowProto(r, bal)}, nil
}

func money(amount int64, currency string) *commonv1.Money {
	return &commonv1.Money{CurrencyCode: currency, AmountMinor: amount}
}

// escrowProto maps an escrow; balance < 0 leaves the balance unset.
func escrowProto(r escrow.Record, balance int64) *financev1.SubOrderEscrow {
	p := &financev1.SubOrderEscrow{SubOrderId: r.SubOrderID, OrderId: r.OrderID, BuyerId: r.BuyerID, SupplierOrgId: r.SupplierOrgID,
		State: string(r.State), Paid: money(r.PaidMinor, r.BuyerCurrency), MerchantOrgId: r.MerchantOrgID}
	if balance >= 0 {
		p.Balance = money(balance, r.SupplierCurrency)
	}
	if r.Rate != nil {
		p.Rate = r.Rate.Rate
	}
	if r.State == escrow.StateSettled {
		p.SupplierNet, p.Commission = money(r.SupplierNet, r.SupplierCurrency), money(r.Commission, r.SupplierCurrency)
		p.Refunded, p.SettledAt = money(r.Refunded, r.BuyerCurrency), timestamppb.New(r.SettledAt)
	}
	return p
}

func topUpRequestProto(res app.SettleResult, r escrow.Record) *financev1.TopUpRequest {
	if res.TopUp == nil {
		return nil
	}
	return &financev1.TopUpRequest{RequestId: res.TopUp.ID, SubOrderId: res.TopUp.SubOrderID, Amount: money(res.TopUp.Amount, r.SupplierCurrency)}
}
