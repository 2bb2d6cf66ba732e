package seed

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v5"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/idempotency"
	"github.com/crossdock/crossdock/pkg/retry"
	"github.com/crossdock/crossdock/pkg/server/grpcerr"
)

// Addrs are the gRPC addresses the seed talks to.
type Addrs struct {
	Users, Catalog, Inventory string
}

// demoProduct is one product of the demo catalogue.
type demoProduct struct {
	supplier     string // e-mail of the owning supplier
	category     string // slug path, e.g. "electronics/audio/headphones"
	brand, model string
	typ          catalogv1.ProductType
	origin       *catalogv1.Origin
	title, desc  string
	attributes   map[string]string
	skus         []*catalogv1.SkuContent
	translations []*catalogv1.Translation
	stock        int64
}

func usd(cents int64) *commonv1.Money {
	return &commonv1.Money{CurrencyCode: "USD", AmountMinor: cents}
}

func eur(cents int64) *commonv1.Money {
	return &commonv1.Money{CurrencyCode: "EUR", AmountMinor: cents}
}

// standard is a SKU's cost price for merchants in the demo tier. The
// headphones have none: merchants buy linen and gift cards at cost.
func standard(m *commonv1.Money) []*catalogv1.TierPrice {
	return []*catalogv1.TierPrice{{TierCode: DemoTier.GetCode(), Price: m}}
}

// The demo catalogue: two suppliers in different countries, a category tree,
// physical and virtual products with translations, and stock.
var (
	demoCategories = []struct{ path, name string }{
		{"electronics", "Electronics"}, {"electronics/audio", "Audio"}, {"electronics/audio/headphones", "Headphones"},
		{"apparel", "Apparel"}, {"apparel/t-shirts", "T-shirts"}, {"digital", "Digital goods"}, {"digital/gift-cards", "Gift cards"},
	}
	demoBrands = []string{"Soundwave", "Linho Porto"}
	demoModels = []*catalogv1.CreateProductModelRequest{
		{Name: "Headphones", Attributes: []*catalogv1.ModelAttribute{
			{Name: "colour", Kind: catalogv1.AttributeKind_ATTRIBUTE_KIND_CHOICE, AllowedValues: []string{"black", "white"}, Required: true, Spec: true},
			{Name: "connectivity", Kind: catalogv1.AttributeKind_ATTRIBUTE_KIND_CHOICE, AllowedValues: []string{"bluetooth", "wired"}, Required: true},
		}},
		{Name: "T-shirt", Attributes: []*catalogv1.ModelAttribute{
			{Name: "size", Kind: catalogv1.AttributeKind_ATTRIBUTE_KIND_CHOICE, AllowedValues: []string{"S", "M", "L"}, Required: true, Spec: true},
			{Name: "material", Kind: catalogv1.AttributeKind_ATTRIBUTE_KIND_TEXT, Required: true},
		}},
		{Name: "Gift card", Attributes: []*catalogv1.ModelAttribute{
			{Name: "face_value", Kind: catalogv1.AttributeKind_ATTRIBUTE_KIND_CHOICE, AllowedValues: []string{"25", "50"}, Required: true, Spec: true},
		}},
	}
	demoProducts = []demoProduct{
		{
			supplier: SupplierEmail, category: "electronics/audio/headphones", brand: "Soundwave", model: "Headphones",
			typ: catalogv1.ProductType_PRODUCT_TYPE_PHYSICAL, origin: &catalogv1.Origin{CountryCode: "CN", RegionCode: "CN-GD"},
			title: "Soundwave Air wireless headphones", desc: "Over-ear wireless headphones with 40 hours of battery.",
			attributes: map[string]string{"connectivity": "bluetooth"},
			skus: []*catalogv1.SkuContent{
				{SkuCode: "SW-AIR-BLK", SpecValues: map[string]string{"colour": "black"}, RetailPrice: usd(7999), WeightG: 310, Dimensions: &catalogv1.Dimensions{LengthMm: 200, WidthMm: 180, HeightMm: 90}},
				{SkuCode: "SW-AIR-WHT", SpecValues: map[string]string{"colour": "white"}, RetailPrice: usd(8499), WeightG: 310, Dimensions: &catalogv1.Dimensions{LengthMm: 200, WidthMm: 180, HeightMm: 90}},
			},
			translations: []*catalogv1.Translation{
				{Locale: "de", Title: "Soundwave Air kabellose Kopfhörer", Description: "Kabellose Over-Ear-Kopfhörer mit 40 Stunden Akkulaufzeit.",
					AttributeLabels: map[string]string{"colour": "Farbe", "connectivity": "Verbindung"}},
			},
			stock: 120,
		},
		{
			supplier: Supplier2Email, category: "apparel/t-shirts", brand: "Linho Porto", model: "T-shirt",
			typ: catalogv1.ProductType_PRODUCT_TYPE_PHYSICAL, origin: &catalogv1.Origin{CountryCode: "PT", RegionCode: "PT-13"},
			title: "Linen T-shirt", desc: "A light linen T-shirt woven in Porto.",
			attributes: map[string]string{"material": "100% linen"},
			skus: []*catalogv1.SkuContent{
				{SkuCode: "LP-TEE-S", SpecValues: map[string]string{"size": "S"}, RetailPrice: eur(2900), TierPrices: standard(eur(1900)), WeightG: 160, Dimensions: &catalogv1.Dimensions{LengthMm: 300, WidthMm: 250, HeightMm: 20}},
				{SkuCode: "LP-TEE-M", SpecValues: map[string]string{"size": "M"}, RetailPrice: eur(2900), TierPrices: standard(eur(1900)), WeightG: 170, Dimensions: &catalogv1.Dimensions{LengthMm: 300, WidthMm: 250, HeightMm: 20}},
				{SkuCode: "LP-TEE-L", SpecValues: map[string]string{"size": "L"}, RetailPrice: eur(2900), TierPrices: standard(eur(1900)), WeightG: 180, Dimensions: &catalogv1.Dimensions{LengthMm: 300, WidthMm: 250, HeightMm: 20}},
			},
			translations: []*catalogv1.Translation{
				{Locale: "pt", Title: "T-shirt de linho", Description: "Uma T-shirt leve de linho tecida no Porto.",
					AttributeLabels: map[string]string{"size": "Tamanho", "material": "Material"}},
			},
			stock: 60,
		},
		{
			supplier: SupplierEmail, category: "digital/gift-cards", model: "Gift card",
			typ: catalogv1.ProductType_PRODUCT_TYPE_VIRTUAL, origin: &catalogv1.Origin{CountryCode: "CN", RegionCode: "CN-GD"},
			title: "Crossdock gift card", desc: "A gift card delivered by e-mail.",
			skus: []*catalogv1.SkuContent{
				{SkuCode: "GC-25", SpecValues: map[string]string{"face_value": "25"}, RetailPrice: usd(2500), TierPrices: standard(usd(2200))},
				{SkuCode: "GC-50", SpecValues: map[string]string{"face_value": "50"}, RetailPrice: usd(5000), TierPrices: standard(usd(4400))},
			},
			translations: []*catalogv1.Translation{
				{Locale: "de", Title: "Crossdock-Geschenkkarte", Description: "Eine Geschenkkarte, per E-Mail zugestellt.",
					AttributeLabels: map[string]string{"face_value": "Nennwert"}},
			},
			stock: 1000,
		},
	}
)

// dial opens a connection to each named address; closeAll closes them.
func dial(addrs map[string]string) (conns map[string]*grpc.ClientConn, closeAll func(), err error) {
	conns = map[string]*grpc.ClientConn{}
	closeAll = func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}
	for name, addr := range addrs {
		c, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		conns[name] = c
	}
	return conns, closeAll, nil
}

// Catalogue seeds the demo catalogue through the catalog and inventory
// services, as the suppliers, a reviewer and a translator would. Every step
// looks for what an earlier start made before making it, so a first start
// stopped part way is finished by the next one, and a seeded catalogue is
// left as it is.
func Catalogue(ctx context.Context, a Addrs) error {
	conns, closeAll, err := dial(map[string]string{"users": a.Users, "catalog": a.Catalog, "inventory": a.Inventory})
	if err != nil {
		return err
	}
	defer closeAll()
	users := usersv1.NewUsersServiceClient(conns["users"])
	catalog := catalogv1.NewCatalogServiceClient(conns["catalog"])
	inventory := inventoryv1.NewInventoryServiceClient(conns["inventory"])

	as := map[string]context.Context{}
	for _, email := range []string{AdminEmail, ReviewerEmail, TranslatorEmail, SupplierEmail, Supplier2Email} {
		ctx, err := login(ctx, users, email)
		if err != nil {
			return fmt.Errorf("log in %s: %w", email, err)
		}
		as[email] = ctx
	}
	return seedCatalogue(as, catalog, inventory)
}

// seedBrands returns the ids of the brands named, by name, making those
// that are not there yet. Each is looked up by its name (the brand list is
// paged: a catalogue of many brands holds the demo's past its first page).
func seedBrands(admin context.Context, catalog catalogv1.CatalogServiceClient, names ...string) (map[string]string, error) {
	ids := map[string]string{}
	for _, name := range names {
		found, err := catalog.ListBrands(admin, &catalogv1.ListBrandsRequest{NamePrefix: name})
		if err != nil {
			return nil, fmt.Errorf("look brand %s up: %w", name, err)
		}
		for _, b := range found.GetBrands() {
			if strings.EqualFold(b.GetName(), name) {
				ids[name] = b.GetBrandId()
			}
		}
		if ids[name] != "" {
			continue
		}
		b, err := catalog.CreateBrand(admin, &catalogv1.CreateBrandRequest{Name: name})
		if err != nil {
			return nil, fmt.Errorf("brand %s: %w", name, err)
		}
		ids[name] = b.GetBrand().GetBrandId()
	}
	return ids, nil
}

// seedCatalogue makes the demo categories, brands, models, warehouses and
// products that are not there yet, each product walked through the
// workflow from wherever it stands.
func seedCatalogue(as map[string]context.Context, catalog catalogv1.CatalogServiceClient, inventory inventoryv1.InventoryServiceClient) error {
	admin := as[AdminEmail]
	categories, err := seedCategories(admin, catalog)
	if err != nil {
		return err
	}
	brands, err := seedBrands(admin, catalog, demoBrands...)
	if err != nil {
		return err
	}
	models := map[string]string{}
	listedModels, err := catalog.ListProductModels(admin, &catalogv1.ListProductModelsRequest{})
	if err != nil {
		return fmt.Errorf("list product models: %w", err)
	}
	for _, m := range listedModels.GetModels() {
		models[m.GetName()] = m.GetModelId()
	}
	for _, m := range demoModels {
		if models[m.GetName()] != "" {
			continue
		}
		r, err := catalog.CreateProductModel(admin, m)
		if err != nil {
			return fmt.Errorf("model %s: %w", m.GetName(), err)
		}
		models[m.GetName()] = r.GetModel().GetModelId()
	}
	warehouses := map[string]string{}
	for _, w := range []struct {
		email, name, country, region string
	}{
		{SupplierEmail, "Shenzhen main warehouse", "CN", "CN-GD"},
		{Supplier2Email, "Porto warehouse", "PT", "PT-13"},
	} {
		id, err := seedWarehouse(as[w.email], inventory, &inventoryv1.CreateWarehouseRequest{
			Name: w.name, Kind: inventoryv1.WarehouseKind_WAREHOUSE_KIND_SUPPLIER, CountryCode: w.country, RegionCode: w.region,
			IdempotencyKey: "demo-warehouse",
		})
		if err != nil {
			return fmt.Errorf("warehouse %s: %w", w.name, err)
		}
		warehouses[w.email] = id
	}

	for _, p := range demoProducts {
		if err := seedProduct(as, catalog, inventory, p, categories[p.category], brands[p.brand], models[p.model], warehouses[p.supplier]); err != nil {
			return fmt.Errorf("product %q: %w", p.title, err)
		}
	}
	return nil
}

// seedWarehouse returns the id of the supplier's warehouse named as in req,
// creating it when the supplier has none of that name.
func seedWarehouse(owner context.Context, inventory inventoryv1.InventoryServiceClient, req *inventoryv1.CreateWarehouseRequest) (string, error) {
	listed, err := inventory.ListWarehouses(owner, &inventoryv1.ListWarehousesRequest{})
	if err != nil {
		return "", err
	}
	for _, w := range listed.GetWarehouses() {
		if w.GetName() == req.GetName() && w.GetKind() == req.GetKind() {
			return w.GetWarehouseId(), nil
		}
	}
	r, err := inventory.CreateWarehouse(owner, req)
	if err != nil {
		return "", err
	}
	return r.GetWarehouse().GetWarehouseId(), nil
}

// seedCategories creates the tree's missing categories and returns every
// category id by slug path.
func seedCategories(admin context.Context, catalog catalogv1.CatalogServiceClient) (map[string]string, error) {
	listed, err := catalog.ListCategories(admin, &catalogv1.ListCategoriesRequest{})
	if err != nil {
		return nil, fmt.Errorf("list categories: %w", err)
	}
	type place struct{ parent, slug string }
	existing := map[place]string{}
	for _, c := range listed.GetCategories() {
		existing[place{c.GetParentId(), c.GetSlug()}] = c.GetCategoryId()
	}
	ids := map[string]string{}
	for _, c := range demoCategories {
		parent, slug := "", c.path
		for i := len(c.path) - 1; i >= 0; i-- {
			if c.path[i] == '/' {
				parent, slug = ids[c.path[:i]], c.path[i+1:]
				break
			}
		}
		if id := existing[place{parent, slug}]; id != "" {
			ids[c.path] = id
			continue
		}
		r, err := catalog.CreateCategory(admin, &catalogv1.CreateCategoryRequest{ParentId: parent, Name: c.name, Slug: slug})
		if err != nil {
			return nil, fmt.Errorf("category %s: %w", c.path, err)
		}
		ids[c.path] = r.GetCategory().GetCategoryId()
	}
	return ids, nil
}

// seedProduct walks one product through the workflow from where it stands:
// created and submitted by its supplier, approved by the reviewer,
// translated, listed, and stocked. A product someone has acted on since
// (delisted, binned, sent back or rejected by a reviewer) is left as it is.
func seedProduct(as map[string]context.Context, catalog catalogv1.CatalogServiceClient, inventory inventoryv1.InventoryServiceClient,
	p demoProduct, categoryID, brandID, modelID, warehouseID string) error {
	owner := as[p.supplier]
	skuCodes := map[string]bool{}
	for _, sku := range p.skus {
		skuCodes[sku.GetSkuCode()] = true
	}
	product, err := findProduct(owner, catalog, skuCodes)
	if err != nil {
		return err
	}
	if product == nil {
		created, err := catalog.CreateProduct(owner, &catalogv1.CreateProductRequest{
			ModelId: modelID, Type: p.typ, Origin: p.origin, DefaultLocale: "en",
			Content: &catalogv1.ProductContent{
				CategoryId: categoryID, BrandId: brandID, Title: p.title, Description: p.desc,
				Images:     []string{"https://images.crossdock.test/" + p.skus[0].GetSkuCode() + ".jpg"},
				Attributes: p.attributes, Skus: p.skus,
			},
			IdempotencyKey: "demo-" + p.skus[0].GetSkuCode(),
		})
		if reason(err) == "SKU_CODE_TAKEN" {
			// Made by a start before creation keys and changed since
			// beyond recognition (its SKUs renamed): the supplier's now.
			return nil
		}
		if err != nil {
			return err
		}
		product = created.GetProduct()
		if !hasSKU(product, skuCodes) {
			// The key's product, made by an earlier start, answered as it
			// is now: its SKUs renamed since, it is the supplier's.
			return nil
		}
	}
	if product.GetDeletedAt() != nil {
		return nil
	}
	id := product.GetProductId()
	switch product.GetStatus() {
	case catalogv1.ProductStatus_PRODUCT_STATUS_DRAFT:
		if _, err := catalog.SubmitProduct(owner, &catalogv1.SubmitProductRequest{ProductId: id}); err != nil {
			return fmt.Errorf("submit: %w", err)
		}
		fallthrough
	case catalogv1.ProductStatus_PRODUCT_STATUS_SUBMITTED:
		if _, err := catalog.ApproveProduct(as[ReviewerEmail], &catalogv1.ApproveProductRequest{ProductId: id}); err != nil {
			return fmt.Errorf("approve: %w", err)
		}
		fallthrough
	case catalogv1.ProductStatus_PRODUCT_STATUS_APPROVED:
		for _, t := range p.translations {
			if _, err := catalog.UpsertTranslation(as[TranslatorEmail], &catalogv1.UpsertTranslationRequest{ProductId: id, Translation: t}); err != nil {
				return fmt.Errorf("translate %s: %w", t.GetLocale(), err)
			}
		}
		listed, err := catalog.ListProduct(owner, &catalogv1.ListProductRequest{ProductId: id})
		if err != nil {
			return fmt.Errorf("list: %w", err)
		}
		product = listed.GetProduct()
	case catalogv1.ProductStatus_PRODUCT_STATUS_LISTED:
	default:
		return nil
	}
	// Stocked under a key per SKU: stock received before (by an earlier
	// start, then sold or counted since) is not received again. SKUs the
	// supplier added since are its own to stock.
	for _, sku := range product.GetLive().GetContent().GetSkus() {
		if !skuCodes[sku.GetSkuCode()] {
			continue
		}
		if err := stock(owner, inventory, warehouseID, sku.GetSkuId(), p.stock); err != nil {
			return fmt.Errorf("stock %s: %w", sku.GetSkuCode(), err)
		}
	}
	return nil
}

// hasSKU reports whether the product's content (approved or being edited)
// has a SKU of one of the codes.
func hasSKU(p *catalogv1.Product, skuCodes map[string]bool) bool {
	for _, content := range []*catalogv1.ProductContent{p.GetLive().GetContent(), p.GetPending().GetContent()} {
		for _, sku := range content.GetSkus() {
			if skuCodes[sku.GetSkuCode()] {
				return true
			}
		}
	}
	return false
}

// findProduct returns the supplier's product, live or in the bin, whose
// content (approved or being edited) has a SKU of one of the codes; nil
// when none has. (A product purged from the bin is gone, and made again.)
func findProduct(owner context.Context, catalog catalogv1.CatalogServiceClient, skuCodes map[string]bool) (*catalogv1.Product, error) {
	for _, bin := range []bool{false, true} {
		token := ""
		for {
			page, err := catalog.ListSupplierProducts(owner, &catalogv1.ListSupplierProductsRequest{
				Deleted: bin, Page: &commonv1.PageRequest{PageSize: 100, PageToken: token},
			})
			if err != nil {
				return nil, fmt.Errorf("list products: %w", err)
			}
			for _, p := range page.GetProducts() {
				if hasSKU(p, skuCodes) {
					return p, nil
				}
			}
			if token = page.GetPage().GetNextPageToken(); token == "" {
				break
			}
		}
	}
	return nil, nil
}

// stock receives the demo stock of a SKU. Inventory learns of new SKUs from
// catalog events, a moment after they are created, so NotFound is retried.
func stock(owner context.Context, inventory inventoryv1.InventoryServiceClient, warehouseID, skuID string, quantity int64) error {
	_, err := backoff.Retry(owner, func() (*inventoryv1.AdjustStockResponse, error) {
		resp, err := inventory.AdjustStock(owner, &inventoryv1.AdjustStockRequest{
			WarehouseId: warehouseID, SkuId: skuID, QuantityDelta: quantity,
			Reason: "demo stock", IdempotencyKey: "seed-" + skuID,
		})
		if reason(err) == idempotency.ReasonKeyReused {
			// Received by an earlier start under another demo quantity.
			return resp, nil
		}
		if err != nil && status.Code(err) != codes.NotFound {
			return resp, backoff.Permanent(err)
		}
		return resp, err
	}, backoff.WithBackOff(retry.Exponential(200*time.Millisecond, 2*time.Second)), backoff.WithMaxElapsedTime(30*time.Second))
	return err
}

// reason is a refusal's google.rpc.ErrorInfo reason, "" for none.
func reason(err error) string {
	var e *apperr.Error
	if err != nil && errors.As(grpcerr.FromStatus(status.Convert(err)), &e) {
		return e.Reason
	}
	return ""
}
