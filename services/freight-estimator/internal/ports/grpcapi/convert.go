package grpcapi

import (
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	freightv1 "github.com/crossdock/crossdock/gen/crossdock/freight/v1"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/pbtime"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/domain"
)

func routeFrom(r *commonv1.Route) domain.Route {
	return domain.Route{
		OriginCountry: r.GetOriginCountryCode(), OriginRegion: r.GetOriginRegionCode(),
		DestinationCountry: r.GetDestinationCountryCode(), DestinationRegion: r.GetDestinationRegionCode(),
	}
}

func routeProto(r domain.Route) *commonv1.Route {
	return &commonv1.Route{
		OriginCountryCode: r.OriginCountry, OriginRegionCode: r.OriginRegion,
		DestinationCountryCode: r.DestinationCountry, DestinationRegionCode: r.DestinationRegion,
	}
}

func moneyFrom(m *commonv1.Money) money.Money {
	return money.Money{Amount: m.GetAmountMinor(), Currency: m.GetCurrencyCode()}
}

func moneyProto(m money.Money) *commonv1.Money {
	return &commonv1.Money{CurrencyCode: m.Currency, AmountMinor: m.Amount}
}

func configProto(c domain.Config) *freightv1.FreightConfig {
	return &freightv1.FreightConfig{
		Window:          durationpb.New(c.Window),
		VolumeTolerance: c.VolumeTolerance.String(),
		WeightTolerance: c.WeightTolerance.String(),
		ValueTolerance:  c.ValueTolerance.String(),
		FirstWeight:     c.FirstWeight.String(),
		SecondaryWeight: c.SecondaryWeight.String(),
		EndWeight:       c.EndWeight.String(),
		Multiplier:      c.Multiplier.String(),
		Version:         c.Version,
		EffectiveFrom:   timestamppb.New(c.EffectiveFrom),
		ChangedBy:       c.ChangedBy,
		Reason:          c.Reason,
	}
}

func rateCardProto(c domain.RateCard) *freightv1.RateCard {
	p := &freightv1.RateCard{
		VolumetricDivisor: c.Divisor, DefaultShippingMethod: c.DefaultMethod, Version: c.Version,
		EffectiveFrom: timestamppb.New(c.EffectiveFrom), ChangedBy: c.ChangedBy,
	}
	for _, z := range c.Zones {
		p.Zones = append(p.Zones, &freightv1.Zone{Code: z.Code, CountryCodes: z.Countries, RegionCodes: z.Regions})
	}
	for _, pr := range c.Prices {
		p.Prices = append(p.Prices, &freightv1.ZonePrice{Zone: pr.Zone, ShippingMethod: pr.Method, PricePerKg: moneyProto(pr.PerKg)})
	}
	return p
}

func rateCardFrom(p *freightv1.RateCard) domain.RateCard {
	c := domain.RateCard{
		Divisor: p.GetVolumetricDivisor(), DefaultMethod: p.GetDefaultShippingMethod(),
		EffectiveFrom: pbtime.Time(p.GetEffectiveFrom()),
	}
	for _, z := range p.GetZones() {
		c.Zones = append(c.Zones, domain.Zone{Code: z.GetCode(), Countries: z.GetCountryCodes(), Regions: z.GetRegionCodes()})
	}
	for _, pr := range p.GetPrices() {
		c.Prices = append(c.Prices, domain.ZonePrice{Zone: pr.GetZone(), Method: pr.GetShippingMethod(), PerKg: moneyFrom(pr.GetPricePerKg())})
	}
	return c
}
