// Package peers reaches the services orders reads from: the catalog
// (SKUs as they are now) and inventory (units available). Their statuses
// come back as apperr errors.
package peers

import (
	"context"

	"github.com/google/uuid"
	"google.golang.org/grpc/status"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/server/grpcerr"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// batchLimit is the catalog's and inventory's limit per call.
const batchLimit = 500

// Catalog is app.Catalog over the catalog's BatchGetSkus.
type Catalog struct {
	Client catalogv1.CatalogServiceClient
}

var _ app.Catalog = Catalog{}

// SKUs returns the known SKUs among ids.
func (c Catalog) SKUs(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]domain.SKU, error) {
	out := make(map[uuid.UUID]domain.SKU, len(ids))
	for start := 0; start < len(ids); start += batchLimit {
		resp, err := c.Client.BatchGetSkus(ctx, &catalogv1.BatchGetSkusRequest{SkuIds: idStrings(ids[start:min(start+batchLimit, len(ids))])})
		if err != nil {
			return nil, peerError(err)
		}
		for _, s := range resp.GetSkus() {
			id, err := uuid.Parse(s.GetSkuId())
			if err != nil {
				continue
			}
			out[id] = sku(id, s)
		}
	}
	return out, nil
}

func sku(id uuid.UUID, s *catalogv1.SkuInfo) domain.SKU {
	d := s.GetDimensions()
	typ := domain.Physical
	if s.GetType() == catalogv1.ProductType_PRODUCT_TYPE_VIRTUAL {
		typ = domain.Virtual
	}
	product, _ := uuid.Parse(s.GetProductId())
	supplier, _ := uuid.Parse(s.GetSupplierId())
	return domain.SKU{
		ID: id, ProductID: product, SupplierID: supplier, Type: typ, WeightG: s.GetWeightG(),
		// mm³ → cm³, rounded up so a parcel is never under-measured.
		VolumeCM3:     (d.GetLengthMm()*d.GetWidthMm()*d.GetHeightMm() + 999) / 1000,
		Price:         money.Money{Amount: s.GetRetailPrice().GetAmountMinor(), Currency: s.GetRetailPrice().GetCurrencyCode()},
		OriginCountry: s.GetOrigin().GetCountryCode(), OriginRegion: s.GetOrigin().GetRegionCode(),
		OnSale: s.GetOnSale(),
	}
}

// Inventory is app.Inventory over inventory's GetAvailability.
type Inventory struct {
	Client inventoryv1.InventoryServiceClient
}

var _ app.Inventory = Inventory{}

// Available returns the units available per SKU (0 for one without stock).
func (i Inventory) Available(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]int64, error) {
	out := make(map[uuid.UUID]int64, len(ids))
	for start := 0; start < len(ids); start += batchLimit {
		resp, err := i.Client.GetAvailability(ctx, &inventoryv1.GetAvailabilityRequest{SkuIds: idStrings(ids[start:min(start+batchLimit, len(ids))])})
		if err != nil {
			return nil, peerError(err)
		}
		for _, a := range resp.GetAvailability() {
			if id, err := uuid.Parse(a.GetSkuId()); err == nil {
				out[id] = a.GetAvailable()
			}
		}
	}
	return out, nil
}

// idStrings is ids in their text form, as the peers take them.
func idStrings(ids []uuid.UUID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out
}

func peerError(err error) error {
	if st, ok := status.FromError(err); ok {
		return grpcerr.FromStatus(st)
	}
	return err
}
