// Package peers reaches the services docking calls: the catalog (products
// to push), orders (partner orders placed as local ones) and finance
// (settlement lines credited). Their statuses come back as apperr errors.
package peers

import (
	"context"

	"github.com/google/uuid"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	ordersv1 "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/server/grpcerr"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// Catalog is app.Catalog over the catalog service.
type Catalog struct {
	Client catalogv1.CatalogServiceClient
}

var _ app.Catalog = Catalog{}

// Product reads a product as its operators see it.
func (c Catalog) Product(ctx context.Context, id uuid.UUID) (app.CatalogProduct, error) {
	resp, err := c.Client.GetProduct(ctx, &catalogv1.GetProductRequest{ProductId: id.String()})
	if err != nil {
		return app.CatalogProduct{}, grpcerr.FromPeer(err)
	}
	p := resp.GetProduct()
	supplier, _ := uuid.Parse(p.GetSupplierId())
	out := app.CatalogProduct{ID: id, SupplierID: supplier, SKUCodes: map[string]string{}, Facts: domain.ProductFacts{
		Listed:        p.GetStatus() == catalogv1.ProductStatus_PRODUCT_STATUS_LISTED && p.GetDeletedAt() == nil,
		QualityPassed: p.GetQualityCheck().GetPassed(),
		DefaultLocale: p.GetDefaultLocale(),
	}}
	for _, t := range p.GetTranslations() {
		if t.GetComplete() {
			out.Facts.Translated = append(out.Facts.Translated, t.GetLocale())
		}
	}
	for _, sku := range p.GetLive().GetContent().GetSkus() {
		out.SKUCodes[sku.GetSkuId()] = sku.GetSkuCode()
	}
	return out, nil
}

// Content reads a listed product in locale as buyers see it.
func (c Catalog) Content(ctx context.Context, id uuid.UUID, locale string) (app.CatalogContent, error) {
	resp, err := c.Client.GetListing(ctx, &catalogv1.GetListingRequest{ProductId: id.String(), Locale: locale})
	if err != nil {
		return app.CatalogContent{}, grpcerr.FromPeer(err)
	}
	l := resp.GetListing()
	if l.GetAvailabilityUnknown() {
		// Pushed now, every listing would say none in stock until the SKU's
		// next stock change: the push waits for inventory instead.
		return app.CatalogContent{}, apperr.Unavailable("the catalog could not read the product's stock from inventory")
	}
	out := app.CatalogContent{Locale: l.GetLocale(), Title: l.GetTitle(), Description: l.GetDescription(), Images: l.GetImages(), Attributes: l.GetAttributes()}
	for _, s := range l.GetSkus() {
		out.SKUs = append(out.SKUs, app.CatalogSKU{ID: s.GetSkuId(), Specs: s.GetSpecValues(), Available: s.GetAvailable(), WeightG: s.GetWeightG(),
			Price: money.Money{Amount: s.GetPrice().GetAmountMinor(), Currency: s.GetPrice().GetCurrencyCode()}})
	}
	return out, nil
}

// listedPageSize is how many products one search page asks for.
const listedPageSize = 100

// ListedProducts pages through the products on sale.
func (c Catalog) ListedProducts(ctx context.Context, page string) ([]uuid.UUID, string, error) {
	resp, err := c.Client.SearchProducts(ctx, &catalogv1.SearchProductsRequest{Page: &commonv1.PageRequest{PageSize: listedPageSize, PageToken: page}})
	if err != nil {
		return nil, "", grpcerr.FromPeer(err)
	}
	ids := make([]uuid.UUID, 0, len(resp.GetProducts()))
	for _, p := range resp.GetProducts() {
		if id, err := uuid.Parse(p.GetProductId()); err == nil {
			ids = append(ids, id)
		}
	}
	return ids, resp.GetPage().GetNextPageToken(), nil
}

// Orders is app.Orders over the orders service.
type Orders struct {
	Client ordersv1.OrdersServiceClient
}

var _ app.Orders = Orders{}

// PlaceExternal places a page of a partner's paid orders in one call.
func (o Orders) PlaceExternal(ctx context.Context, in []app.ExternalOrder) ([]app.Placing, error) {
	req := &ordersv1.PlaceExternalOrdersRequest{Orders: make([]*ordersv1.PlaceExternalOrderRequest, len(in))}
	for i, e := range in {
		r := &ordersv1.PlaceExternalOrderRequest{Channel: e.Channel, ExternalOrderId: e.ExternalOrderID, BuyerRef: e.BuyerRef, ExistingOnly: e.ExistingOnly}
		for _, l := range e.Lines {
			r.Lines = append(r.Lines, &ordersv1.CheckoutLine{SkuId: l.SKUID, Quantity: int32(l.Quantity)})
			r.UnitPrices = append(r.UnitPrices, &commonv1.Money{CurrencyCode: l.UnitPrice.Currency, AmountMinor: l.UnitPrice.Amount})
		}
		if a := e.Address; a != nil {
			r.Address = &commonv1.Address{Recipient: a.Recipient, Phone: a.Phone, CountryCode: a.CountryCode, RegionCode: a.RegionCode,
				City: a.City, Postcode: a.Postcode, Lines: a.Lines}
		}
		req.Orders[i] = r
	}
	resp, err := o.Client.PlaceExternalOrders(ctx, req)
	if err != nil {
		return nil, grpcerr.FromPeer(err)
	}
	out := make([]app.Placing, len(resp.GetResults()))
	for i, r := range resp.GetResults() {
		if p := r.GetProblem(); p != nil {
			out[i].Err = grpcerr.FromProblem(p)
			continue
		}
		out[i].Order, out[i].Err = placedOrder(r.GetOrder())
	}
	return out, nil
}

// CancelExternal cancels a partner order's local order with the service's
// token: orders lets a service cancel an order of a partner channel.
func (o Orders) CancelExternal(ctx context.Context, orderID uuid.UUID, reason string) error {
	_, err := o.Client.CancelOrder(ctx, &ordersv1.CancelOrderRequest{OrderId: orderID.String(), Reason: reason})
	return grpcerr.FromPeer(err)
}

// placedOrder reads the local order orders placed.
func placedOrder(order *ordersv1.Order) (app.PlacedOrder, error) {
	id, err := uuid.Parse(order.GetOrderId())
	if err != nil {
		return app.PlacedOrder{}, err
	}
	out := app.PlacedOrder{OrderID: id}
	for _, sub := range order.GetSubOrders() {
		p := app.PlacedSubOrder{SettledSubOrder: domain.SettledSubOrder{SubOrderID: sub.GetSubOrderId(), SupplierID: sub.GetSupplierId(),
			Currency: sub.GetGoods().GetCurrencyCode(), GoodsMinor: sub.GetGoods().GetAmountMinor()}}
		for _, l := range sub.GetLines() {
			p.SKUIDs = append(p.SKUIDs, l.GetSkuId())
		}
		out.SubOrders = append(out.SubOrders, p)
	}
	return out, nil
}

// Finance is app.Finance over finance's escrow service.
type Finance struct {
	Client financev1.EscrowServiceClient
}

var _ app.Finance = Finance{}

// CreditPartnerSettlement books one sub-order's part of a matched line.
func (f Finance) CreditPartnerSettlement(ctx context.Context, partnerID uuid.UUID, currency string, c domain.SupplierCredit) error {
	_, err := f.Client.CreditPartnerSettlement(ctx, &financev1.CreditPartnerSettlementRequest{PartnerId: partnerID.String(), LineId: c.LineID,
		SupplierOrgId: c.SupplierID, Gross: &commonv1.Money{CurrencyCode: currency, AmountMinor: c.GrossMinor}, FeesMinor: c.FeesMinor})
	return grpcerr.FromPeer(err)
}

// RecordPartnerWithdrawal records a partner's payout as a withdrawal from
// our virtual account there, the excess booked unallocated when asked; a
// repeat is finance's replay, success, with the first split.
func (f Finance) RecordPartnerWithdrawal(ctx context.Context, partnerID uuid.UUID, payoutID string, amount money.Money, excessUnallocated bool) (int64, error) {
	res, err := f.Client.RecordPartnerWithdrawal(ctx, &financev1.RecordPartnerWithdrawalRequest{PartnerId: partnerID.String(),
		WithdrawalId: payoutID, Amount: &commonv1.Money{CurrencyCode: amount.Currency, AmountMinor: amount.Amount},
		ExcessUnallocated: excessUnallocated})
	if err != nil {
		return 0, grpcerr.FromPeer(err)
	}
	return res.GetUnallocated().GetAmountMinor(), nil
}
