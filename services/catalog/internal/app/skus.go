package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
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
}

// BatchGetSkus returns SKUs in request order and the ids it does not know
// (never created, or purged). Services and operators.
func (s *Service) BatchGetSkus(ctx context.Context, caller auth.Caller, rawIDs []string) ([]SKUInfo, []string, error) {
	if !isService(caller) && !isOperator(caller) {
		return nil, nil, ErrInternalOnly
	}
	if len(rawIDs) > MaxBatchSKUs {
		return nil, nil, apperr.InvalidField("sku_ids", "must hold at most 500 ids")
	}
	var bad []apperr.FieldViolation
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
		out = append(out, SKUInfo{
			SKU: sku, Product: r.Product,
			OnSale:     r.InLive && r.Product.OnSale(),
			Reservable: !r.Product.Deleted(),
		})
	}
	return out, missing, nil
}
