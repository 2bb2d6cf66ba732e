package app

import (
	"context"
	"maps"
	"slices"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/catalog/internal/domain"
)

// Listing is a listed product as buyers see it, in one locale.
type Listing struct {
	Product domain.Product
	Text    domain.Text
	// Attributes are the live revision's attribute values keyed by the
	// attribute's label in the locale.
	Attributes map[string]string
	SKUs       []ListingSKU
	// AvailabilityUnknown: inventory could not be asked, and every SKU
	// shows none available.
	AvailabilityUnknown bool
}

// ListingSKU is a live SKU with the units available to order now.
type ListingSKU struct {
	domain.SKU
	Available int64
}

// onSale reads a product buyers may see: anything else does not exist.
func (s *Service) onSale(ctx context.Context, id uuid.UUID) (domain.Product, error) {
	p, err := s.store.GetProduct(ctx, id)
	if err != nil {
		return domain.Product{}, err
	}
	if !p.OnSale() {
		return domain.Product{}, productNotFound(id)
	}
	return p, nil
}

// GetListing returns a listed product in a locale with its SKUs and their
// availability. Public.
//
// Availability comes from the inventory service. If it cannot be asked, the
// listing is still returned, every SKU showing 0 available, and a warning is
// logged: a buyer browsing must not fail because stock figures are down, and
// showing no stock is the safe side (checkout reserves through inventory
// anyway).
func (s *Service) GetListing(ctx context.Context, id uuid.UUID, locale string) (Listing, error) {
	l, err := optionalLocale(locale)
	if err != nil {
		return Listing{}, err
	}
	p, err := s.onSale(ctx, id)
	if err != nil {
		return Listing{}, err
	}
	text := p.TextIn(l)
	out := Listing{Product: p, Text: text, Attributes: map[string]string{}}
	for name, value := range p.Live.Content.Attributes {
		out.Attributes[text.Label(name)] = value
	}
	ids := make([]uuid.UUID, 0, len(p.Live.Content.SKUs))
	for _, sku := range p.Live.Content.SKUs {
		ids = append(ids, sku.ID)
	}
	available, known := s.available(ctx, ids)
	out.AvailabilityUnknown = !known
	for _, sku := range p.Live.Content.SKUs {
		out.SKUs = append(out.SKUs, ListingSKU{SKU: sku, Available: available[sku.ID]})
	}
	return out, nil
}

// available asks inventory for the SKUs' availability; on failure every SKU
// counts as unavailable and known is false (see GetListing).
func (s *Service) available(ctx context.Context, ids []uuid.UUID) (got map[uuid.UUID]int64, known bool) {
	if s.stock == nil || len(ids) == 0 {
		return nil, true
	}
	got, err := s.stock.Available(ctx, ids)
	if err != nil {
		s.log.WarnContext(ctx, "availability unknown: showing none", "skus", len(ids), "error", err)
		return nil, false
	}
	return got, true
}

// Offer limits of CompareOffers.
const (
	DefaultOffers = 20
	MaxOffers     = 100
)

// CompareOffers lists the listed offers of the product's category whose SKU
// spec values equal those of one of the product's SKUs, the product's own
// included, cheapest first (offers in the product's currency first, then
// others by currency). Public.
func (s *Service) CompareOffers(ctx context.Context, id uuid.UUID, locale string, limit int) ([]Offer, error) {
	l, err := optionalLocale(locale)
	if err != nil {
		return nil, err
	}
	switch {
	case limit < 0:
		return nil, apperr.InvalidField("limit", "must not be negative")
	case limit == 0:
		limit = DefaultOffers
	default:
		limit = min(limit, MaxOffers)
	}
	p, err := s.onSale(ctx, id)
	if err != nil {
		return nil, err
	}
	var specs []map[string]string
	for _, sku := range p.Live.Content.SKUs {
		if !slices.ContainsFunc(specs, func(m map[string]string) bool { return maps.Equal(m, sku.SpecValues) }) {
			specs = append(specs, sku.SpecValues)
		}
	}
	return s.store.Offers(ctx, OfferQuery{
		CategoryID: p.Live.Content.CategoryID, SpecValues: specs, Currency: p.Currency(),
		Locales: domain.LocaleChain(l), Limit: limit,
	})
}

// MerchantPrice is a merchant's cost price of one SKU.
type MerchantPrice struct {
	SKUID    uuid.UUID
	TierCode string
	// Cost is nil when the supplier set no price for the tier: the SKU is
	// not offered to that tier at cost.
	Cost   *money.Money
	Retail money.Money
}

// ErrNoMerchantTier is a merchant whose tier the catalog does not know:
// either none was assigned yet, or the news has not arrived.
var ErrNoMerchantTier = apperr.FailedPrecondition("your organization has no merchant tier yet").
	WithReason("MERCHANT_TIER_UNKNOWN")

// GetMerchantPrices returns the caller's tier cost price of a listed
// product's SKUs. Merchants only. The tier comes from the users service's
// users.merchant.tier_changed events, kept in the catalog's own table.
func (s *Service) GetMerchantPrices(ctx context.Context, caller auth.Caller, id uuid.UUID) ([]MerchantPrice, error) {
	org, err := merchantOf(caller)
	if err != nil {
		return nil, err
	}
	p, err := s.onSale(ctx, id)
	if err != nil {
		return nil, err
	}
	tier, err := s.store.MerchantTier(ctx, org)
	if err != nil {
		return nil, err
	}
	if tier == "" {
		return nil, ErrNoMerchantTier
	}
	out := make([]MerchantPrice, 0, len(p.Live.Content.SKUs))
	for _, sku := range p.Live.Content.SKUs {
		mp := MerchantPrice{SKUID: sku.ID, TierCode: tier, Retail: sku.RetailPrice}
		if cost, ok := sku.TierPrice(tier); ok {
			mp.Cost = &cost
		}
		out = append(out, mp)
	}
	return out, nil
}
