package peers

import (
	"context"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/durationpb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// Finance is app.Finance over finance's FX and escrow services.
type Finance struct {
	FX      financev1.FinanceServiceClient
	Escrows financev1.EscrowServiceClient
}

var _ app.Finance = Finance{}

// Quote locks a rate from → to for lockFor.
func (f Finance) Quote(ctx context.Context, from, to string, lockFor time.Duration) (app.Quote, error) {
	resp, err := f.FX.QuoteConversion(ctx, &financev1.QuoteConversionRequest{FromCurrency: from, ToCurrency: to, LockFor: durationpb.New(lockFor)})
	if err != nil {
		return app.Quote{}, peerError(err)
	}
	rate, err := money.ParseRate(resp.GetQuote().GetRate())
	if err != nil {
		return app.Quote{}, err
	}
	return app.Quote{ID: resp.GetQuote().GetQuoteId(), Rate: rate}, nil
}

// PayCheckout pays the order's sub-orders into escrow, once per order.
func (f Finance) PayCheckout(ctx context.Context, o domain.Order) error {
	req := &financev1.PayCheckoutRequest{OrderId: o.ID.String(), BuyerId: o.BuyerID, BuyerCurrency: o.Currency, QuoteIds: o.Quotes}
	if o.MerchantOrgID != uuid.Nil {
		req.MerchantOrgId = o.MerchantOrgID.String()
	}
	for _, s := range o.SubOrders {
		p := s.Payable()
		req.SubOrders = append(req.SubOrders, &financev1.CheckoutShare{
			SubOrderId: s.ID.String(), SupplierOrgId: s.SupplierID.String(),
			Amount: &commonv1.Money{CurrencyCode: p.Currency, AmountMinor: p.Amount},
		})
	}
	_, err := f.Escrows.PayCheckout(ctx, req)
	return peerError(err)
}

// Escrow returns a sub-order's escrow, nil when it was never paid.
func (f Finance) Escrow(ctx context.Context, subOrderID uuid.UUID) (*app.Escrow, error) {
	resp, err := f.Escrows.GetSubOrderEscrow(ctx, &financev1.GetSubOrderEscrowRequest{SubOrderId: subOrderID.String()})
	if err = peerError(err); apperr.IsKind(err, apperr.KindNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	e := resp.GetEscrow()
	return &app.Escrow{Balance: fromProto(e.GetBalance()), Settled: e.GetState() == "settled"}, nil
}

// Refund returns amount of a sub-order's escrow to the buyer.
func (f Finance) Refund(ctx context.Context, subOrderID uuid.UUID, refundID string, amount money.Money) (app.Refund, error) {
	resp, err := f.Escrows.RefundSubOrder(ctx, &financev1.RefundSubOrderRequest{
		SubOrderId: subOrderID.String(), RefundId: refundID, Amount: &commonv1.Money{CurrencyCode: amount.Currency, AmountMinor: amount.Amount},
	})
	if err != nil {
		return app.Refund{}, peerError(err)
	}
	return app.Refund{ClawBack: resp.GetClawBack(), Waiting: resp.GetWaiting()}, nil
}

// FundCoupon sets a platform-funded discount in a sub-order's escrow.
func (f Finance) FundCoupon(ctx context.Context, subOrderID uuid.UUID, couponID string, amount money.Money) error {
	_, err := f.Escrows.FundCoupon(ctx, &financev1.FundCouponRequest{
		SubOrderId: subOrderID.String(), CouponId: couponID, Amount: &commonv1.Money{CurrencyCode: amount.Currency, AmountMinor: amount.Amount},
	})
	return peerError(err)
}

// ReclaimCoupon takes a returned good's coupon funding back from the
// supplier.
func (f Finance) ReclaimCoupon(ctx context.Context, subOrderID uuid.UUID, couponID, reclaimID string, amount money.Money) error {
	_, err := f.Escrows.ReclaimCoupon(ctx, &financev1.ReclaimCouponRequest{
		SubOrderId: subOrderID.String(), CouponId: couponID, ReclaimId: reclaimID,
		Amount: &commonv1.Money{CurrencyCode: amount.Currency, AmountMinor: amount.Amount},
	})
	return peerError(err)
}

// Settle settles a sub-order on its goods; escrow short, it answers the
// top-up request.
func (f Finance) Settle(ctx context.Context, subOrderID uuid.UUID, goods money.Money) (*app.TopUpRequest, error) {
	resp, err := f.Escrows.SettleSubOrder(ctx, &financev1.SettleSubOrderRequest{
		SubOrderId: subOrderID.String(), Goods: &commonv1.Money{CurrencyCode: goods.Currency, AmountMinor: goods.Amount},
	})
	if err != nil {
		return nil, peerError(err)
	}
	if t := resp.GetTopUpRequest(); t != nil && t.GetRequestId() != "" {
		return &app.TopUpRequest{ID: t.GetRequestId(), Amount: fromProto(t.GetAmount())}, nil
	}
	return nil, nil
}
