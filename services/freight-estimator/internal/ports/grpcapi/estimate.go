package grpcapi

import (
	"context"

	freightv1 "github.com/crossdock/crossdock/gen/crossdock/freight/v1"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/app"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/domain"
)

// Estimate returns a freight pre-estimate with its breakdown (any signed-in caller).
func (s *Server) Estimate(ctx context.Context, req *freightv1.EstimateRequest) (*freightv1.EstimateResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	in := app.EstimateRequest{
		Route:           routeFrom(req.GetRoute()),
		ShippingMethod:  req.GetShippingMethod(),
		DisplayCurrency: req.GetDisplayCurrency(),
	}
	switch spec := req.GetParcelSpec().(type) {
	case *freightv1.EstimateRequest_Parcel:
		p := spec.Parcel
		in.Parcel = &domain.ParcelInput{VolumeCM3: p.GetVolumeCm3(), WeightG: p.GetWeightG(), DeclaredValue: moneyFrom(p.GetDeclaredValue())}
		if d := p.GetDimensions(); d != nil {
			in.Parcel.Dimensions = &domain.Dimensions{LengthMM: d.GetLengthMm(), WidthMM: d.GetWidthMm(), HeightMM: d.GetHeightMm()}
		}
	case *freightv1.EstimateRequest_Lines:
		in.Lines = []domain.SkuLine{}
		for _, l := range spec.Lines.GetLines() {
			in.Lines = append(in.Lines, domain.SkuLine{SkuID: l.GetSkuId(), Quantity: l.GetQuantity()})
		}
		if v := spec.Lines.GetDeclaredValue(); v != nil {
			sold := moneyFrom(v)
			in.LinesValue = &sold
		}
	}
	res, err := s.svc.Estimate(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return estimateProto(res), nil
}

var groups = [3]freightv1.Group{freightv1.Group_GROUP_FIRST, freightv1.Group_GROUP_SECONDARY, freightv1.Group_GROUP_END}

func estimateProto(res app.EstimateResult) *freightv1.EstimateResponse {
	base := res.Target.Currency
	out := &freightv1.EstimateResponse{
		TargetFreight:         moneyProto(res.Target),
		TotalBeforeMultiplier: domain.FormatMinor(res.Total, base),
		Multiplier:            res.Multiplier.Value.String(),
		RouteMultiplier:       res.Multiplier.Route,
		Route:                 routeProto(res.Route),
		Config:                configProto(res.Config),
		Parcel: &freightv1.Parcel{
			VolumeCm3: res.Parcel.VolumeCM3, WeightG: res.Parcel.WeightG, DeclaredValue: moneyProto(res.Parcel.Value),
		},
	}
	if d := res.Parcel.Dimensions; d != nil {
		out.Parcel.Dimensions = &freightv1.Dimensions{LengthMm: d.LengthMM, WidthMm: d.WidthMM, HeightMm: d.HeightMM}
	}
	if res.Display != nil {
		out.DisplayFreight, out.DisplayRate = moneyProto(*res.Display), res.DisplayRate
	}
	switch res.Basis {
	case domain.BasisHistory:
		out.Basis = freightv1.Basis_BASIS_HISTORY
		for g, gr := range res.Groups {
			b := &freightv1.GroupBreakdown{Group: groups[g], Count: gr.Count, Weight: gr.Weight.String()}
			if gr.Mean != nil {
				b.MeanFreight = domain.FormatMinor(gr.Mean, base)
			}
			out.Groups = append(out.Groups, b)
		}
	case domain.BasisRateCard:
		out.Basis = freightv1.Basis_BASIS_RATE_CARD
		q := res.RateCard
		out.RateCard = &freightv1.RateCardBreakdown{
			Zone: q.Zone, ShippingMethod: q.Method, ActualWeightG: q.ActualG, VolumetricWeightG: q.VolumetricG,
			ChargeableWeightG: q.ChargeableG, VolumetricDivisor: q.Divisor, PricePerKg: moneyProto(q.PerKg),
		}
	}
	return out
}
