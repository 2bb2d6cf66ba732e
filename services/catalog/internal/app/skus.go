package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/catalog/internal/domain"
)

// MaxBatchSKUs bounds BatchGetSkus.
const MaxBatchSKUs = 500

// SKUInfo is a SKU as other services need it.
type SKUInfo struct {
	domain.SKU
	Product domain.Product
	// OnSale: the product is listed, not deleted, and its live revision
	// sells the SKU.
	OnSale bool
	// Reservable: the product is not in the bin, so stock may be reserved.
	Reservable bool
	// CategoryID is the product's category: its live revision's, else its
	// pending one's.
	CategoryID uuid.UUID
	// CostPrice is the named merchant's tier cost price of the SKU; nil
	// when no merchant was named or the supplier set no price for its tier.
	CostPrice *money.Money
}

// BatchGetSkus returns SKUs in request order and the ids it does not know
// (never created, or purged). With a merchant organization (merchantOrgID
// not empty) each SKU carries that merchant's tier cost price; a merchant
// whose tier the catalog does not know is ErrNoMerchantTier. The tier is
// read once for the whole batch. Services and operators.
func (s *Service) BatchGetSkus(ctx context.Context, caller auth.Caller, rawIDs []string, merchantOrgID string) ([]SKUInfo, []string, error) {
	if !caller.IsService() && !caller.IsOperator() {
		return nil, nil, ErrInternalOnly
	}
	if len(rawIDs) > MaxBatchSKUs {
		return nil, nil, apperr.InvalidField("sku_ids", "must hold at most 500 ids")
	}
	var bad []apperr.FieldViolation
	var merchant uuid.UUID
	if merchantOrgID != "" {
		var err error
		if merchant, err = uuid.Parse(merchantOrgID); err != nil {
			bad = append(bad, apperr.FieldViolation{Field: "merchant_org_id", Description: "must be a UUID"})
		}
	}
	ids := make([]uuid.UUID, len(rawIDs))
	for i, raw := range rawIDs {
		id, err := uuid.Parse(raw)
		if err != nil {
			bad = append(bad, apperr.FieldViolation{Field: apperr.Index("sku_ids", i, ""), Description: "must be a UUID"})
		}
		ids[i] = id
	}
	if len(bad) > 0 {
		return nil, nil, apperr.Invalid(bad...)
	}
	tier := ""
	if merchantOrgID != "" {
		t, err := s.store.MerchantTier(ctx, merchant)
		if err != nil {
			return nil, nil, err
		}
		if t == "" {
			return nil, nil, ErrNoMerchantTier.WithMetadata("merchant_org_id", merchant.String())
		}
		tier = t
	}
	if len(ids) == 0 {
		return nil, nil, nil
	}
	records, err := s.store.SKUs(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	byID := make(map[uuid.UUID]SKURecord, len(records))
	for _, r := range records {
		byID[r.ID] = r
	}
	var out []SKUInfo
	var missing []string
	for i, id := range ids {
		r, ok := byID[id]
		if !ok {
			missing = append(missing, rawIDs[i])
			continue
		}
		sku := r.Content
		sku.ID, sku.Code = r.ID, r.Code
		info := SKUInfo{
			SKU: sku, Product: r.Product,
			OnSale:     r.InLive && r.Product.OnSale(),
			Reservable: !r.Product.Deleted(),
			CategoryID: productCategory(r.Product),
		}
		if tier != "" {
			if cost, ok := sku.TierPrice(tier); ok {
				info.CostPrice = &cost
			}
		}
		out = append(out, info)
	}
	return out, missing, nil
}

// productCategory is a product's category: its live revision's, else its
// pending one's (uuid.Nil when it has neither).
func productCategory(p domain.Product) uuid.UUID {
	switch {
	case p.Live != nil:
		return p.Live.Content.CategoryID
	case p.Pending != nil:
		return p.Pending.Content.CategoryID
	}
	return uuid.Nil
}
