package peers

import (
	"context"
	"strings"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	freightv1 "github.com/crossdock/crossdock/gen/crossdock/freight/v1"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// Freight is app.Freight over the freight estimator.
type Freight struct {
	Client freightv1.FreightServiceClient
}

var _ app.Freight = Freight{}

// Estimate asks for a draft's target freight to an address, shown in the
// supplier's currency. The parcel is valued at the draft's goods, as sold
// (a merchant's goods at its tier's cost, a coupon's discount taken off by
// the caller), not at their retail prices.
func (f Freight) Estimate(ctx context.Context, d domain.SubOrderDraft, to domain.Address, currency string) (money.Money, domain.FreightBreakdown, error) {
	lines := &freightv1.SkuLines{}
	if d.Goods.Amount > 0 {
		lines.DeclaredValue = &commonv1.Money{CurrencyCode: d.Goods.Currency, AmountMinor: d.Goods.Amount}
	}
	for _, l := range d.Lines {
		lines.Lines = append(lines.Lines, &freightv1.SkuLine{SkuId: l.SKU.ID.String(), Quantity: int64(l.Quantity)})
	}
	resp, err := f.Client.Estimate(ctx, &freightv1.EstimateRequest{
		Route:           &commonv1.Route{DestinationCountryCode: to.Country, DestinationRegionCode: to.Region},
		ParcelSpec:      &freightv1.EstimateRequest_Lines{Lines: lines},
		DisplayCurrency: currency,
	})
	if err != nil {
		return money.Money{}, domain.FreightBreakdown{}, peerError(err)
	}
	target := fromProto(resp.GetTargetFreight())
	b := domain.FreightBreakdown{
		Basis: strings.ToLower(strings.TrimPrefix(resp.GetBasis().String(), "BASIS_")), TargetFreight: target,
		Multiplier: resp.GetMultiplier(), RouteMultiplier: resp.GetRouteMultiplier(), TotalBeforeMultiplier: resp.GetTotalBeforeMultiplier(),
		DeclaredValue: fromProto(resp.GetParcel().GetDeclaredValue()),
	}
	for _, g := range resp.GetGroups() {
		b.Groups = append(b.Groups, domain.FreightGroup{
			Group: strings.ToLower(strings.TrimPrefix(g.GetGroup().String(), "GROUP_")), Count: g.GetCount(),
			MeanFreight: g.GetMeanFreight(), Weight: g.GetWeight(),
		})
	}
	if rc := resp.GetRateCard(); rc != nil {
		b.Zone, b.ChargeableWeightG = rc.GetZone(), rc.GetChargeableWeightG()
	}
	freight := target
	if target.Currency != currency {
		freight, b.RateToSupplierCurrency = fromProto(resp.GetDisplayFreight()), resp.GetDisplayRate()
	}
	return freight, b, nil
}

func fromProto(m *commonv1.Money) money.Money {
	return money.Money{Amount: m.GetAmountMinor(), Currency: m.GetCurrencyCode()}
}
