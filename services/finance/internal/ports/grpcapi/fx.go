package grpcapi

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	"github.com/crossdock/crossdock/services/finance/internal/domain/fx"
)

// QuoteConversion locks a rate for a conversion (any signed-in caller).
func (s *Server) QuoteConversion(ctx context.Context, req *financev1.QuoteConversionRequest) (*financev1.QuoteConversionResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	q, err := s.svc.QuoteConversion(ctx, c, fx.QuoteInput{
		From: req.GetFromCurrency(), To: req.GetToCurrency(), Amount: req.GetAmountMinor(), LockFor: req.GetLockFor().AsDuration()})
	if err != nil {
		return nil, err
	}
	return &financev1.QuoteConversionResponse{Quote: quoteProto(q)}, nil
}

// GetQuote returns a quote to its maker, services and admins.
func (s *Server) GetQuote(ctx context.Context, req *financev1.GetQuoteRequest) (*financev1.GetQuoteResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	q, err := s.svc.GetQuote(ctx, c, req.GetQuoteId())
	if err != nil {
		return nil, err
	}
	return &financev1.GetQuoteResponse{Quote: quoteProto(q)}, nil
}

func quoteProto(q fx.Quote) *financev1.FxQuote {
	p := &financev1.FxQuote{
		QuoteId: q.ID, FromCurrency: q.From, ToCurrency: q.To, Rate: q.Rate.String(), MidRate: q.Mid.String(),
		SpreadBps: q.SpreadBps, Source: q.Source, RateEffectiveAt: timestamppb.New(q.RateEffectiveAt),
		CreatedAt: timestamppb.New(q.CreatedAt), ExpiresAt: timestamppb.New(q.ExpiresAt),
	}
	if q.Amount > 0 {
		p.Amount = &commonv1.Money{CurrencyCode: q.From, AmountMinor: q.Amount}
		p.Converted = &commonv1.Money{CurrencyCode: q.To, AmountMinor: q.Converted}
	}
	return p
}
