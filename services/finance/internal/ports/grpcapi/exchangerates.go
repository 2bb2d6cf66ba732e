package grpcapi

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/finance/internal/domain"
)

// SetExchangeRate records a currency pair's rate from a time (admins).
func (s *Server) SetExchangeRate(ctx context.Context, req *financev1.SetExchangeRateRequest) (*financev1.SetExchangeRateResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	p := req.GetRate()
	if p == nil {
		return nil, apperr.InvalidField("rate", "is required")
	}
	in := domain.ExchangeRateInput{From: p.GetFromCurrency(), To: p.GetToCurrency(), Rate: p.GetRate(), Source: p.GetSource()}
	if t := p.GetEffectiveAt(); t != nil {
		in.EffectiveAt = t.AsTime()
	}
	r, err := s.svc.SetExchangeRate(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return &financev1.SetExchangeRateResponse{Rate: rateProto(r)}, nil
}

// GetExchangeRate returns the pair's rate in force at a time (any signed-in caller).
func (s *Server) GetExchangeRate(ctx context.Context, req *financev1.GetExchangeRateRequest) (*financev1.GetExchangeRateResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var at time.Time
	if t := req.GetAt(); t != nil {
		at = t.AsTime()
	}
	r, err := s.svc.GetExchangeRate(ctx, c, req.GetFromCurrency(), req.GetToCurrency(), at, req.GetFresh())
	if err != nil {
		return nil, err
	}
	return &financev1.GetExchangeRateResponse{Rate: rateProto(r)}, nil
}

func rateProto(r domain.ExchangeRate) *financev1.ExchangeRate {
	return &financev1.ExchangeRate{
		FromCurrency: r.From, ToCurrency: r.To, Rate: r.Rate.String(), Source: r.Source,
		EffectiveAt: timestamppb.New(r.EffectiveAt), RecordedAt: timestamppb.New(r.RecordedAt),
	}
}
