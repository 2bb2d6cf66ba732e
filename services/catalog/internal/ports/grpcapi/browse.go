package grpcapi

import (
	"context"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/catalog/internal/app"
)

// SearchProducts finds listed products (public).
func (s *Server) SearchProducts(ctx context.Context, req *catalogv1.SearchProductsRequest) (*catalogv1.SearchProductsResponse, error) {
	sort, ok := sortOrders[req.GetSort()]
	if !ok {
		return nil, apperr.InvalidField("sort", "is not a known sort order")
	}
	in := app.SearchInput{
		Locale: req.GetLocale(), Query: req.GetQuery(), CategoryID: req.GetCategoryId(), BrandID: req.GetBrandId(),
		SpecValues: req.GetSpecValues(), Sort: sort,
		PageSize: int(req.GetPage().GetPageSize()), PageToken: req.GetPage().GetPageToken(),
	}
	if m := req.GetMinPrice(); m != nil {
		p := moneyFrom(m)
		in.MinPrice = &p
	}
	if m := req.GetMaxPrice(); m != nil {
		p := moneyFrom(m)
		in.MaxPrice = &p
	}
	page, err := s.svc.SearchProducts(ctx, in)
	if err != nil {
		return nil, err
	}
	resp := &catalogv1.SearchProductsResponse{Page: &commonv1.PageResponse{NextPageToken: page.NextPageToken}}
	for _, h := range page.Hits {
		resp.Products = append(resp.Products, summaryProto(h))
	}
	return resp, nil
}

// GetListing returns a listed product with its SKUs and availability
// (public).
func (s *Server) GetListing(ctx context.Context, req *catalogv1.GetListingRequest) (*catalogv1.GetListingResponse, error) {
	id, err := apperr.ParseID("product_id", req.GetProductId())
	if err != nil {
		return nil, err
	}
	l, err := s.svc.GetListing(ctx, id, req.GetLocale())
	if err != nil {
		return nil, err
	}
	return &catalogv1.GetListingResponse{Listing: listingProto(l)}, nil
}

// CompareOffers lists comparable offers, cheapest first (public).
func (s *Server) CompareOffers(ctx context.Context, req *catalogv1.CompareOffersRequest) (*catalogv1.CompareOffersResponse, error) {
	id, err := apperr.ParseID("product_id", req.GetProductId())
	if err != nil {
		return nil, err
	}
	offers, err := s.svc.CompareOffers(ctx, id, req.GetLocale(), int(req.GetLimit()))
	if err != nil {
		return nil, err
	}
	resp := &catalogv1.CompareOffersResponse{}
	for _, o := range offers {
		resp.Offers = append(resp.Offers, offerProto(o))
	}
	return resp, nil
}

// GetMerchantPrices returns the caller's tier cost prices (merchants).
func (s *Server) GetMerchantPrices(ctx context.Context, req *catalogv1.GetMerchantPricesRequest) (*catalogv1.GetMerchantPricesResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := apperr.ParseID("product_id", req.GetProductId())
	if err != nil {
		return nil, err
	}
	prices, err := s.svc.GetMerchantPrices(ctx, c, id)
	if err != nil {
		return nil, err
	}
	resp := &catalogv1.GetMerchantPricesResponse{}
	for _, p := range prices {
		mp := &catalogv1.MerchantSkuPrice{SkuId: p.SKUID.String(), TierCode: p.TierCode, RetailPrice: moneyProto(p.Retail)}
		if p.Cost != nil {
			mp.CostPrice = moneyProto(*p.Cost)
		}
		resp.Prices = append(resp.Prices, mp)
	}
	return resp, nil
}

// BatchGetSkus returns SKUs for other services (services and operators).
func (s *Server) BatchGetSkus(ctx context.Context, req *catalogv1.BatchGetSkusRequest) (*catalogv1.BatchGetSkusResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	skus, missing, err := s.svc.BatchGetSkus(ctx, c, req.GetSkuIds(), req.GetMerchantOrgId())
	if err != nil {
		return nil, err
	}
	resp := &catalogv1.BatchGetSkusResponse{MissingSkuIds: missing}
	for _, sku := range skus {
		resp.Skus = append(resp.Skus, skuInfoProto(sku))
	}
	return resp, nil
}
