package peers

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/app"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/domain"
)

// batchLimit is the catalog's BatchGetSkus limit.
const batchLimit = 500

// Catalog looks SKUs up with catalog's BatchGetSkus.
type Catalog struct {
	client catalogv1.CatalogServiceClient
}

var _ app.Catalog = Catalog{}

// NewCatalog returns the adapter over a catalog client.
func NewCatalog(client catalogv1.CatalogServiceClient) Catalog { return Catalog{client: client} }

// Skus returns the known SKUs among ids.
func (c Catalog) Skus(ctx context.Context, ids []string) (map[string]domain.SkuInfo, error) {
	out := make(map[string]domain.SkuInfo, len(ids))
	for start := 0; start < len(ids); start += batchLimit {
		resp, err := c.client.BatchGetSkus(ctx, &catalogv1.BatchGetSkusRequest{SkuIds: ids[start:min(start+batchLimit, len(ids))]})
		if status.Code(err) == codes.InvalidArgument {
			// The only input is the ids: the catalog refuses their form.
			return nil, apperr.InvalidField("lines.lines", "name an SKU id of a form the catalog does not accept").Wrap(err)
		}
		if err != nil {
			return nil, peerError("catalog BatchGetSkus", err, app.ErrCatalogUnavailable)
		}
		for _, s := range resp.GetSkus() {
			out[s.GetSkuId()] = skuInfo(s)
		}
	}
	return out, nil
}

// skuInfo maps a catalog SKU to what freight needs of it.
func skuInfo(s *catalogv1.SkuInfo) domain.SkuInfo {
	d := s.GetDimensions()
	return domain.SkuInfo{
		ID:      s.GetSkuId(),
		WeightG: s.GetWeightG(),
		Dimensions: domain.Dimensions{
			LengthMM: d.GetLengthMm(), WidthMM: d.GetWidthMm(), HeightMM: d.GetHeightMm(),
		},
		Price:         money.Money{Amount: s.GetRetailPrice().GetAmountMinor(), Currency: s.GetRetailPrice().GetCurrencyCode()},
		OriginCountry: s.GetOrigin().GetCountryCode(),
		OriginRegion:  s.GetOrigin().GetRegionCode(),
		SupplierID:    s.GetSupplierId(),
		OnSale:        s.GetOnSale(),
		Deleted:       !s.GetReservable(),
	}
}
