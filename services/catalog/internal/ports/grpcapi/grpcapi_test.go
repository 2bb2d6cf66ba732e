package grpcapi_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/server/grpcerr"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/catalog/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/catalog/internal/app"
	"github.com/crossdock/crossdock/services/catalog/internal/ports/grpcapi"
	"github.com/crossdock/crossdock/services/catalog/migrations"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// env is the real gRPC server (the kit's interceptors plus authentication
// against a signing key the test holds) on a loopback port.
type env struct {
	client catalogv1.CatalogServiceClient
	conn   *grpc.ClientConn
	key    auth.SigningKey
}

func start(t *testing.T) *env {
	t.Helper()
	pool := testkit.Database(t, testkit.Migrations{Name: "catalog", FS: migrations.FS})
	svc := app.New(postgres.New(pool), app.DefaultConfig())
	key, keys := testkit.SigningKey(t)
	conn := testkit.ServeAPI(t, "catalog", keys, grpcapi.PublicMethods, grpcapi.New(svc).Register)
	return &env{client: catalogv1.NewCatalogServiceClient(conn), conn: conn, key: key}
}

// as returns a context carrying an access token for c.
func (e *env) as(t *testing.T, c auth.Caller) context.Context {
	t.Helper()
	return testkit.As(t, e.key, c)
}

func user(roles ...string) auth.Caller {
	return auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: roles}
}

func supplier() auth.Caller {
	c := user(auth.RoleSupplier)
	c.OrganizationID, c.OrganizationRole = uuid.NewString(), auth.OrgRoleOwner
	return c
}

func wantCode(t *testing.T, err error, code codes.Code) {
	t.Helper()
	if got := status.Code(err); got != code {
		t.Fatalf("code = %v (%v), want %v", got, err, code)
	}
}

// violations returns the field violations of a status error, sorted.
func violations(err error) []string { return testkit.FieldsOf(grpcerr.FromError(err)) }

// errorReason returns the reason of a status error.
func errorReason(err error) string {
	var e *apperr.Error
	if errors.As(grpcerr.FromError(err), &e) {
		return e.Reason
	}
	return ""
}

func eur(amount int64) *commonv1.Money {
	return &commonv1.Money{CurrencyCode: "EUR", AmountMinor: amount}
}

func TestCatalogOverTheWire(t *testing.T) {
	e := start(t)
	c := e.client
	anon := context.Background()
	admin, reviewer := e.as(t, user(auth.RoleAdmin)), e.as(t, user(auth.RoleReviewer))
	supA, supB := supplier(), supplier()
	asA, asB := e.as(t, supA), e.as(t, supB)
	svcCtx := e.as(t, auth.Caller{Subject: "orders", Kind: auth.KindService, Roles: []string{auth.RoleService}})

	// Probes and public methods need no token; the others do.
	if _, err := healthpb.NewHealthClient(e.conn).Check(anon, &healthpb.HealthCheckRequest{}); err != nil {
		t.Errorf("health: %v", err)
	}
	if _, err := c.ListCategories(anon, &catalogv1.ListCategoriesRequest{}); err != nil {
		t.Errorf("ListCategories without token: %v", err)
	}
	if _, err := c.SearchProducts(anon, &catalogv1.SearchProductsRequest{Query: "x"}); err != nil {
		t.Errorf("SearchProducts without token: %v", err)
	}
	_, err := c.CreateProduct(anon, &catalogv1.CreateProductRequest{})
	wantCode(t, err, codes.Unauthenticated)
	_, err = c.ListProductModels(anon, &catalogv1.ListProductModelsRequest{})
	wantCode(t, err, codes.Unauthenticated)
	_, err = c.CreateBrand(asA, &catalogv1.CreateBrandRequest{Name: "Sonic"})
	wantCode(t, err, codes.PermissionDenied)
	for _, name := range []string{"Sonic", "Sony", "Acme"} {
		if _, err := c.CreateBrand(reviewer, &catalogv1.CreateBrandRequest{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	// The brand list is public, paged and narrowed by a prefix.
	brands, err := c.ListBrands(anon, &catalogv1.ListBrandsRequest{NamePrefix: "so", Page: &commonv1.PageRequest{PageSize: 1}})
	if err != nil || len(brands.GetBrands()) != 1 || brands.GetBrands()[0].GetName() != "Sonic" || brands.GetPage().GetNextPageToken() == "" {
		t.Fatalf("ListBrands of one starting with so: %v, %v; want Sonic and a next page", brands, err)
	}
	next, err := c.ListBrands(anon, &catalogv1.ListBrandsRequest{NamePrefix: "so", Page: &commonv1.PageRequest{PageSize: 1, PageToken: brands.GetPage().GetNextPageToken()}})
	if err != nil || len(next.GetBrands()) != 1 || next.GetBrands()[0].GetName() != "Sony" || next.GetPage().GetNextPageToken() != "" {
		t.Errorf("the next page: %v, %v; want Sony, the last", next, err)
	}

	root, err := c.CreateCategory(admin, &catalogv1.CreateCategoryRequest{Name: "Electronics", Slug: "electronics"})
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := c.CreateCategory(reviewer, &catalogv1.CreateCategoryRequest{ParentId: root.GetCategory().GetCategoryId(), Name: "Headphones", Slug: "headphones"})
	if err != nil {
		t.Fatal(err)
	}
	model, err := c.CreateProductModel(admin, &catalogv1.CreateProductModelRequest{Name: "Headphones", Attributes: []*catalogv1.ModelAttribute{
		{Name: "colour", Kind: catalogv1.AttributeKind_ATTRIBUTE_KIND_CHOICE, AllowedValues: []string{"black", "white"}, Required: true, Spec: true},
	}})
	if err != nil {
		t.Fatal(err)
	}
	request := func(code string, weight int64, price int64) *catalogv1.CreateProductRequest {
		return &catalogv1.CreateProductRequest{
			ModelId: model.GetModel().GetModelId(), Type: catalogv1.ProductType_PRODUCT_TYPE_PHYSICAL,
			Origin: &catalogv1.Origin{CountryCode: "DE", RegionCode: "DE-BE"}, DefaultLocale: "de",
			Content: &catalogv1.ProductContent{
				CategoryId: leaf.GetCategory().GetCategoryId(), Title: "Kopfhörer", Description: "Geschlossen",
				Images: []string{"https://img.example.com/k.jpg"},
				Skus: []*catalogv1.SkuContent{{SkuCode: code, SpecValues: map[string]string{"colour": "black"}, RetailPrice: eur(price),
					TierPrices: []*catalogv1.TierPrice{{TierCode: "gold", Price: eur(price / 2)}},
					WeightG:    weight, Dimensions: &catalogv1.Dimensions{LengthMm: 200, WidthMm: 150, HeightMm: 80}}},
			},
		}
	}

	// Bad input: InvalidArgument naming every bad field.
	bad := request("K-1", -3, -100)
	bad.Content.Skus[0].SpecValues["colour"] = "purple"
	bad.Origin.CountryCode = "XX"
	_, err = c.CreateProduct(asA, bad)
	wantCode(t, err, codes.InvalidArgument)
	want := []string{"content.skus[0].retail_price.amount_minor", "content.skus[0].spec_values.colour",
		"content.skus[0].tier_prices[0].price.amount_minor", "content.skus[0].weight_g", "origin.country_code"}
	if got := violations(err); !slices.Equal(got, want) {
		t.Errorf("violations = %v\nwant         %v", got, want)
	}

	created, err := c.CreateProduct(asA, request("K-1", 300, 9900))
	if err != nil {
		t.Fatal(err)
	}
	id := created.GetProduct().GetProductId()
	if created.GetProduct().GetStatus() != catalogv1.ProductStatus_PRODUCT_STATUS_DRAFT ||
		created.GetProduct().GetPending().GetContent().GetSkus()[0].GetSkuId() == "" {
		t.Fatalf("created = %v", created.GetProduct())
	}
	// Two editors save the draft they both read: the first save wins, the
	// second is REVISION_CHANGED instead of overwriting it.
	draftRead := created.GetProduct().GetPending().GetUpdatedAt()
	edit := &catalogv1.UpdateProductRequest{ProductId: id, Content: request("K-1", 300, 9900).GetContent(), RevisionUpdatedAt: draftRead}
	if _, err := c.UpdateProduct(asA, edit); err != nil {
		t.Fatalf("first save of the draft as read: %v", err)
	}
	_, err = c.UpdateProduct(asA, edit)
	wantCode(t, err, codes.FailedPrecondition)
	if reason := errorReason(err); reason != "REVISION_CHANGED" {
		t.Errorf("second save of the draft as read before the first: reason %q, want REVISION_CHANGED", reason)
	}
	_, err = c.CreateProduct(asA, request("K-1", 300, 9900))
	wantCode(t, err, codes.AlreadyExists)
	if got := violations(err); !slices.Equal(got, []string{"content.skus[0].sku_code"}) {
		t.Errorf("duplicate code violations = %v", got)
	}
	draftB, err := c.CreateProduct(asB, request("K-1", 300, 9900))
	if err != nil {
		t.Errorf("another supplier may use the same code: %v", err)
	}
	_, err = c.GetProduct(asB, &catalogv1.GetProductRequest{ProductId: id})
	wantCode(t, err, codes.NotFound)
	_, err = c.GetProduct(asA, &catalogv1.GetProductRequest{ProductId: "not-a-uuid"})
	wantCode(t, err, codes.InvalidArgument)
	_, err = c.ApproveProduct(reviewer, &catalogv1.ApproveProductRequest{ProductId: id})
	wantCode(t, err, codes.FailedPrecondition)

	submitted, err := c.SubmitProduct(asA, &catalogv1.SubmitProductRequest{ProductId: id})
	if err != nil {
		t.Fatal(err)
	}
	// A decision names the revision as the reviewer read it: another
	// update time is REVISION_CHANGED, the one read is approved.
	read := submitted.GetProduct().GetPending().GetUpdatedAt()
	_, err = c.ApproveProduct(reviewer, &catalogv1.ApproveProductRequest{ProductId: id, RevisionUpdatedAt: timestamppb.New(read.AsTime().Add(-time.Second))})
	wantCode(t, err, codes.FailedPrecondition)
	if reason := errorReason(err); reason != "REVISION_CHANGED" {
		t.Errorf("approval of a revision read earlier: reason %q, want REVISION_CHANGED", reason)
	}
	if _, err := c.ApproveProduct(reviewer, &catalogv1.ApproveProductRequest{ProductId: id, RevisionUpdatedAt: read}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListProduct(asA, &catalogv1.ListProductRequest{ProductId: id}); err != nil {
		t.Fatal(err)
	}

	found, err := c.SearchProducts(anon, &catalogv1.SearchProductsRequest{
		Query: "kopf", CategoryId: root.GetCategory().GetCategoryId(), Sort: catalogv1.SortOrder_SORT_ORDER_PRICE_ASC,
		MinPrice: eur(1000), SpecValues: map[string]string{"colour": "black"},
	})
	if err != nil || len(found.GetProducts()) != 1 || found.GetProducts()[0].GetFromPrice().GetAmountMinor() != 9900 ||
		found.GetProducts()[0].GetLocale() != "de" {
		t.Fatalf("search = %v, %v", found, err)
	}
	listing, err := c.GetListing(anon, &catalogv1.GetListingRequest{ProductId: id, Locale: "en"})
	if err != nil || listing.GetListing().GetTitle() != "Kopfhörer" || listing.GetListing().GetSkus()[0].GetAvailable() != 0 ||
		listing.GetListing().GetOrigin().GetRegionCode() != "DE-BE" {
		t.Fatalf("listing = %v, %v", listing, err)
	}
	_, err = c.SearchProducts(anon, &catalogv1.SearchProductsRequest{Sort: catalogv1.SortOrder(42)})
	wantCode(t, err, codes.InvalidArgument)

	skuID := created.GetProduct().GetPending().GetContent().GetSkus()[0].GetSkuId()
	skus, err := c.BatchGetSkus(svcCtx, &catalogv1.BatchGetSkusRequest{SkuIds: []string{skuID, uuid.NewString()}})
	if err != nil || len(skus.GetSkus()) != 1 || !skus.GetSkus()[0].GetOnSale() || !skus.GetSkus()[0].GetReservable() ||
		skus.GetSkus()[0].GetWeightG() != 300 || len(skus.GetMissingSkuIds()) != 1 ||
		skus.GetSkus()[0].GetSupplierId() != supA.OrganizationID || skus.GetSkus()[0].GetCategoryId() != leaf.GetCategory().GetCategoryId() ||
		skus.GetSkus()[0].GetCostPrice() != nil {
		t.Fatalf("BatchGetSkus = %v, %v", skus, err)
	}
	// A merchant whose tier the catalog has not heard of gets no prices.
	_, err = c.BatchGetSkus(svcCtx, &catalogv1.BatchGetSkusRequest{SkuIds: []string{skuID}, MerchantOrgId: uuid.NewString()})
	wantCode(t, err, codes.FailedPrecondition)
	_, err = c.BatchGetSkus(asA, &catalogv1.BatchGetSkusRequest{SkuIds: []string{skuID}})
	wantCode(t, err, codes.PermissionDenied)
	// The freight estimator shows an unlisted SKU only to its supplier: it
	// learns both here.
	draftSku := draftB.GetProduct().GetPending().GetContent().GetSkus()[0].GetSkuId()
	skus, err = c.BatchGetSkus(svcCtx, &catalogv1.BatchGetSkusRequest{SkuIds: []string{draftSku}})
	if err != nil || len(skus.GetSkus()) != 1 || skus.GetSkus()[0].GetOnSale() || !skus.GetSkus()[0].GetReservable() ||
		skus.GetSkus()[0].GetSupplierId() != supB.OrganizationID {
		t.Fatalf("BatchGetSkus of a draft = %v, %v", skus, err)
	}

	// A reviewer's takedown shows its reason on the product.
	down, err := c.DelistProduct(reviewer, &catalogv1.DelistProductRequest{ProductId: id, Reason: "counterfeit report"})
	if err != nil || down.GetProduct().GetReviewHold() != "counterfeit report" {
		t.Fatalf("takedown = %v, %v; want the product's review_hold set", down, err)
	}
	if _, err := c.DeleteProduct(asA, &catalogv1.DeleteProductRequest{ProductId: id}); err != nil {
		t.Fatal(err)
	}
	skus, err = c.BatchGetSkus(svcCtx, &catalogv1.BatchGetSkusRequest{SkuIds: []string{skuID}})
	if err != nil || skus.GetSkus()[0].GetReservable() || skus.GetSkus()[0].GetOnSale() {
		t.Fatalf("BatchGetSkus after delete = %v, %v", skus, err)
	}
	_, err = c.GetListing(anon, &catalogv1.GetListingRequest{ProductId: id})
	wantCode(t, err, codes.NotFound)
	history, err := c.GetProductHistory(asA, &catalogv1.GetProductHistoryRequest{ProductId: id})
	if err != nil || len(history.GetTransitions()) != 6 || // created, submitted, approved, listed, taken down, deleted
		history.GetTransitions()[3].GetTo() != catalogv1.ProductStatus_PRODUCT_STATUS_LISTED {
		t.Fatalf("history = %v, %v", history, err)
	}
	bin, err := c.ListSupplierProducts(asA, &catalogv1.ListSupplierProductsRequest{Deleted: true})
	if err != nil || len(bin.GetProducts()) != 1 || bin.GetProducts()[0].GetDeletedAt() == nil {
		t.Fatalf("bin = %v, %v", bin, err)
	}
}
