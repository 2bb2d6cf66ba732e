package peers

import (
	"context"
	"errors"
	"maps"
	"slices"

	"github.com/google/uuid"
	"google.golang.org/grpc"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/server/grpcerr"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// SupplyCatalog is app.SupplyCatalog over the catalog and inventory
// services. Every call is signed as the platform's ERP API client (pkg/auth
// request signing), so the services see that supplier's ERP and check
// ownership as they do for any supplier's: docking holds no supplier
// rights of its own. Their errors come back as the services said them
// (grpcerr.FromError, not FromPeer): an Unauthenticated is the platform's
// ERP client refused, an operator's to mend, not docking's own token.
type SupplyCatalog struct {
	Catalog   grpc.ClientConnInterface
	Inventory grpc.ClientConnInterface
}

var _ app.SupplyCatalog = SupplyCatalog{}

// signedConn signs every unary call made through it with one client's key.
type signedConn struct {
	cc   grpc.ClientConnInterface
	sign grpc.UnaryClientInterceptor
}

func (s signedConn) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	return s.sign(ctx, method, args, reply, nil, func(ctx context.Context, method string, req, reply any, _ *grpc.ClientConn, opts ...grpc.CallOption) error {
		return s.cc.Invoke(ctx, method, req, reply, opts...)
	}, opts...)
}

func (s signedConn) NewStream(context.Context, *grpc.StreamDesc, string, ...grpc.CallOption) (grpc.ClientStream, error) {
	return nil, errors.New("peers: signed calls are unary only")
}

func as(conn grpc.ClientConnInterface, erp app.SupplyERP) (grpc.ClientConnInterface, error) {
	key, err := auth.ParseRequestPrivateKey(erp.Key)
	if err != nil {
		return nil, errors.New("the ERP key of the supply platform does not parse")
	}
	return signedConn{cc: conn, sign: auth.SignedUnaryClientInterceptor(erp.ClientID, key)}, nil
}

func (c SupplyCatalog) catalog(erp app.SupplyERP) (catalogv1.CatalogServiceClient, error) {
	conn, err := as(c.Catalog, erp)
	if err != nil {
		return nil, err
	}
	return catalogv1.NewCatalogServiceClient(conn), nil
}

func content(d domain.SupplyDefaults, p domain.ImportedProduct, skuIDs map[string]string) *catalogv1.ProductContent {
	out := &catalogv1.ProductContent{CategoryId: d.CategoryID, BrandId: d.BrandID, Title: p.Title, Description: p.Description, Images: p.Images}
	for _, s := range p.SKUs {
		out.Skus = append(out.Skus, &catalogv1.SkuContent{SkuId: skuIDs[s.Code], SkuCode: s.Code, SpecValues: s.Specs, WeightG: s.WeightG,
			Dimensions:  &catalogv1.Dimensions{LengthMm: s.PackageMM[0], WidthMm: s.PackageMM[1], HeightMm: s.PackageMM[2]},
			RetailPrice: &commonv1.Money{CurrencyCode: s.Price.Currency, AmountMinor: s.Price.Amount}})
	}
	return out
}

// imported reads a product's SKU ids by code from its pending revision, or
// the live one.
func imported(p *catalogv1.Product) (app.CatalogImport, error) {
	id, err := uuid.Parse(p.GetProductId())
	if err != nil {
		return app.CatalogImport{}, err
	}
	out := app.CatalogImport{ProductID: id, SKUs: map[string]uuid.UUID{}}
	rev := p.GetPending()
	if rev == nil {
		rev = p.GetLive()
	}
	for _, s := range rev.GetContent().GetSkus() {
		if sku, err := uuid.Parse(s.GetSkuId()); err == nil {
			out.SKUs[s.GetSkuCode()] = sku
		}
	}
	return out, nil
}

// CreateProduct creates a physical draft product as the supplier's ERP.
func (c SupplyCatalog) CreateProduct(ctx context.Context, erp app.SupplyERP, d domain.SupplyDefaults, p domain.ImportedProduct) (app.CatalogImport, error) {
	cat, err := c.catalog(erp)
	if err != nil {
		return app.CatalogImport{}, err
	}
	resp, err := cat.CreateProduct(ctx, &catalogv1.CreateProductRequest{ModelId: d.ModelID, Type: catalogv1.ProductType_PRODUCT_TYPE_PHYSICAL,
		Origin: &catalogv1.Origin{CountryCode: d.OriginCountry, RegionCode: d.OriginRegion}, DefaultLocale: d.Locale, Content: content(d, p, nil)})
	if err != nil {
		return app.CatalogImport{}, grpcerr.FromError(err)
	}
	return imported(resp.GetProduct())
}

// FindProduct pages through the supplier's products for the one holding
// skuCode.
func (c SupplyCatalog) FindProduct(ctx context.Context, erp app.SupplyERP, skuCode string) (app.CatalogImport, bool, error) {
	cat, err := c.catalog(erp)
	if err != nil {
		return app.CatalogImport{}, false, err
	}
	page := ""
	for {
		resp, err := cat.ListSupplierProducts(ctx, &catalogv1.ListSupplierProductsRequest{Page: &commonv1.PageRequest{PageSize: 100, PageToken: page}})
		if err != nil {
			return app.CatalogImport{}, false, grpcerr.FromError(err)
		}
		for _, p := range resp.GetProducts() {
			imp, err := imported(p)
			if err != nil {
				continue
			}
			if _, ok := imp.SKUs[skuCode]; ok {
				return imp, true, nil
			}
		}
		if page = resp.GetPage().GetNextPageToken(); page == "" {
			return app.CatalogImport{}, false, nil
		}
	}
}

// UpdateProduct replaces the pending revision, keeping the SKU ids of the
// codes the product already has.
func (c SupplyCatalog) UpdateProduct(ctx context.Context, erp app.SupplyERP, id uuid.UUID, d domain.SupplyDefaults, p domain.ImportedProduct) (app.CatalogImport, error) {
	cat, err := c.catalog(erp)
	if err != nil {
		return app.CatalogImport{}, err
	}
	cur, err := cat.GetProduct(ctx, &catalogv1.GetProductRequest{ProductId: id.String()})
	if err != nil {
		return app.CatalogImport{}, grpcerr.FromError(err)
	}
	have, err := imported(cur.GetProduct())
	if err != nil {
		return app.CatalogImport{}, err
	}
	ids := map[string]string{}
	for code, sku := range have.SKUs {
		ids[code] = sku.String()
	}
	resp, err := cat.UpdateProduct(ctx, &catalogv1.UpdateProductRequest{ProductId: id.String(), Content: content(d, p, ids)})
	if err != nil {
		return app.CatalogImport{}, grpcerr.FromError(err)
	}
	return imported(resp.GetProduct())
}

// PendingRevision reads the product's pending revision back in docking's
// terms, so docking can tell whether it holds the content it would submit.
func (c SupplyCatalog) PendingRevision(ctx context.Context, erp app.SupplyERP, id uuid.UUID) (app.PendingRevision, error) {
	cat, err := c.catalog(erp)
	if err != nil {
		return app.PendingRevision{}, err
	}
	resp, err := cat.GetProduct(ctx, &catalogv1.GetProductRequest{ProductId: id.String()})
	if err != nil {
		return app.PendingRevision{}, grpcerr.FromError(err)
	}
	rev := resp.GetProduct().GetPending()
	if rev == nil {
		return app.PendingRevision{}, nil
	}
	in := rev.GetContent()
	out := app.PendingRevision{UnderReview: rev.GetStatus() == catalogv1.RevisionStatus_REVISION_STATUS_SUBMITTED,
		CategoryID: in.GetCategoryId(), BrandID: in.GetBrandId(), SKUs: map[string]uuid.UUID{},
		Content: domain.ImportedProduct{Title: in.GetTitle(), Description: in.GetDescription(), Images: in.GetImages()}}
	for _, s := range in.GetSkus() {
		d := s.GetDimensions()
		out.Content.SKUs = append(out.Content.SKUs, domain.ImportedSKU{Code: s.GetSkuCode(), Specs: s.GetSpecValues(),
			Price:   money.Money{Amount: s.GetRetailPrice().GetAmountMinor(), Currency: s.GetRetailPrice().GetCurrencyCode()},
			WeightG: s.GetWeightG(), PackageMM: [3]int64{d.GetLengthMm(), d.GetWidthMm(), d.GetHeightMm()}})
		if sku, err := uuid.Parse(s.GetSkuId()); err == nil {
			out.SKUs[s.GetSkuCode()] = sku
		}
	}
	return out, nil
}

// SubmitProduct sends the pending revision to review.
func (c SupplyCatalog) SubmitProduct(ctx context.Context, erp app.SupplyERP, id uuid.UUID) error {
	cat, err := c.catalog(erp)
	if err != nil {
		return err
	}
	_, err = cat.SubmitProduct(ctx, &catalogv1.SubmitProductRequest{ProductId: id.String()})
	return grpcerr.FromError(err)
}

// ProductApproved reads whether the product passed review.
func (c SupplyCatalog) ProductApproved(ctx context.Context, erp app.SupplyERP, id uuid.UUID) (bool, bool, error) {
	cat, err := c.catalog(erp)
	if err != nil {
		return false, false, err
	}
	resp, err := cat.GetProduct(ctx, &catalogv1.GetProductRequest{ProductId: id.String()})
	if err != nil {
		return false, false, grpcerr.FromError(err)
	}
	switch resp.GetProduct().GetStatus() {
	case catalogv1.ProductStatus_PRODUCT_STATUS_APPROVED:
		return true, false, nil
	case catalogv1.ProductStatus_PRODUCT_STATUS_LISTED:
		return true, true, nil
	}
	return false, false, nil
}

// ListProduct puts an approved product on sale.
func (c SupplyCatalog) ListProduct(ctx context.Context, erp app.SupplyERP, id uuid.UUID) error {
	cat, err := c.catalog(erp)
	if err != nil {
		return err
	}
	_, err = cat.ListProduct(ctx, &catalogv1.ListProductRequest{ProductId: id.String()})
	return grpcerr.FromError(err)
}

// SyncStock sets absolute on-hand levels by the supplier's SKU codes.
func (c SupplyCatalog) SyncStock(ctx context.Context, erp app.SupplyERP, syncID, warehouse string, levels map[string]int64) error {
	conn, err := as(c.Inventory, erp)
	if err != nil {
		return err
	}
	req := &inventoryv1.SyncStockRequest{SyncId: syncID, WarehouseId: warehouse}
	for _, code := range slices.Sorted(maps.Keys(levels)) { // one order, so a retry is the same request
		req.Lines = append(req.Lines, &inventoryv1.SyncLine{SkuCode: code, OnHand: levels[code]})
	}
	_, err = inventoryv1.NewInventoryServiceClient(conn).SyncStock(ctx, req)
	return grpcerr.FromError(err)
}
