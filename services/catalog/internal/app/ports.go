package app

import (
	"context"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/services/catalog/internal/domain"
)

// Store is the catalog database. Reads may run on it directly; every command
// runs in one transaction through InTx, and its events commit with it.
type Store interface {
	Repository
	// InTx runs fn in a transaction and commits it when fn returns nil.
	InTx(ctx context.Context, fn func(Repository) error) error
}

// Repository is everything a command may do in its transaction: the ports
// of every aggregate, so one transaction can span several (an edit checks
// the taxonomy, registers SKUs and refreshes the listing). Methods that
// return one object give an apperr NotFound error when it does not exist;
// writes that would break a uniqueness rule give the domain's AlreadyExists
// error naming the request field. Code that needs one aggregate takes its
// port, not Repository.
type Repository interface {
	Events
	Taxonomy
	Products
	SKUs
	Listings
	Merchants
}

// Events writes facts to the outbox in the command's transaction.
type Events interface {
	// Emit adds an event to the outbox; it fails outside a transaction.
	Emit(ctx context.Context, subject string, event proto.Message) error
}

// Taxonomy stores categories, brands and product models.
type Taxonomy interface {
	CreateCategory(ctx context.Context, c domain.Category) error
	GetCategory(ctx context.Context, id uuid.UUID) (domain.Category, error)
	// ListCategories returns the tree, parents before children, siblings
	// by name.
	ListCategories(ctx context.Context) ([]domain.Category, error)
	// CategoryAndDescendants returns the ids of a category and every
	// category below it; empty when the category does not exist.
	CategoryAndDescendants(ctx context.Context, id uuid.UUID) ([]uuid.UUID, error)

	CreateBrand(ctx context.Context, b domain.Brand) error
	GetBrand(ctx context.Context, id uuid.UUID) (domain.Brand, error)
	// ListBrands returns up to limit brands by name (case aside) whose
	// name starts with prefix (case aside), after the brand named after
	// when it is not empty.
	ListBrands(ctx context.Context, prefix, after string, limit int) ([]domain.Brand, error)

	CreateProductModel(ctx context.Context, m domain.ProductModel) error
	GetProductModel(ctx context.Context, id uuid.UUID) (domain.ProductModel, error)
	ListProductModels(ctx context.Context) ([]domain.ProductModel, error)
}

// Products stores products, their revisions, translations and history.
type Products interface {
	// CreateProduct inserts a product and its pending revision.
	CreateProduct(ctx context.Context, p domain.Product) error
	// ClaimCreationKey records a supplier's CreateProduct key with the
	// request's fingerprint and the id of the product the call creates in
	// the same transaction. claimed is false when the key was recorded
	// before; then its fingerprint and product id are returned. A concurrent
	// claim of the same key waits for the first to commit or roll back.
	ClaimCreationKey(ctx context.Context, supplierID uuid.UUID, key, fingerprint string, productID uuid.UUID, at time.Time) (claimed bool, stored CreationKey, err error)
	// GetProduct reads a product with its live and pending revisions and
	// its translations.
	GetProduct(ctx context.Context, id uuid.UUID) (domain.Product, error)
	// UpdateProduct locks the product, applies change, saves its state and
	// its live and pending revisions (earlier revisions are kept as they
	// are) and writes the events change returns, in one transaction (the
	// caller's inside InTx); an error from change changes nothing.
	UpdateProduct(ctx context.Context, id uuid.UUID, change func(*domain.Product) ([]outbox.Message, error)) (domain.Product, error)
	// SaveTranslation adds or replaces one translation of a product.
	SaveTranslation(ctx context.Context, productID uuid.UUID, t domain.Translation) error
	ListProducts(ctx context.Context, q ProductQuery) ([]domain.Product, error)
	AddTransitions(ctx context.Context, productID uuid.UUID, ts ...domain.Transition) error
	// Transitions returns up to limit of a product's transitions recorded
	// after the one numbered afterSeq (0: from the first), oldest first.
	Transitions(ctx context.Context, productID uuid.UUID, afterSeq int64, limit int) ([]NumberedTransition, error)

	// PurgeDeletedBefore deletes up to limit products that went to the bin
	// before t, for good, and returns how many went.
	PurgeDeletedBefore(ctx context.Context, t time.Time, limit int) (int, error)
}

// SKUs stores the sellable units of products.
type SKUs interface {
	// ProductSKUs returns the codes and ids of every SKU a product ever had.
	ProductSKUs(ctx context.Context, productID uuid.UUID) (map[string]uuid.UUID, error)
	// SKUCodeOwners returns, for the given codes that the supplier already
	// uses, the product using each.
	SKUCodeOwners(ctx context.Context, supplierID uuid.UUID, codes []string) (map[string]uuid.UUID, error)
	// CreateSKUs registers new SKUs of a product; a code the supplier
	// already uses is AlreadyExists.
	CreateSKUs(ctx context.Context, supplierID, productID uuid.UUID, skus []domain.SKU, at time.Time) error
	// SKUs reads SKUs with their products' state, for BatchGetSkus.
	SKUs(ctx context.Context, ids []uuid.UUID) ([]SKURecord, error)
}

// Listings is what buyers find: search documents and comparable offers.
type Listings interface {
	// RefreshListing rewrites what buyers can find of the product (search
	// documents and comparable offers) from its current state: nothing
	// unless it is on sale.
	RefreshListing(ctx context.Context, p domain.Product) error
	Search(ctx context.Context, q SearchQuery) ([]SearchHit, error)
	Offers(ctx context.Context, q OfferQuery) ([]Offer, error)
}

// Merchants is what the catalog knows of merchant organizations.
type Merchants interface {
	// MerchantTier returns a merchant organization's tier code, or "" when
	// the catalog has not heard of one.
	MerchantTier(ctx context.Context, merchantID uuid.UUID) (string, error)
}

// Availability tells how many units of SKUs can be ordered now. It belongs
// to the inventory service; an error means it could not be asked.
type Availability interface {
	Available(ctx context.Context, skuIDs []uuid.UUID) (map[uuid.UUID]int64, error)
}

// ProductQuery selects one page of products.
type ProductQuery struct {
	// SupplierID restricts to one supplier's products (uuid.Nil: any).
	SupplierID uuid.UUID
	// Status filters by status; empty for all.
	Status domain.Status
	// Deleted selects the bin instead of the other products.
	Deleted bool
	// ReviewQueue selects products with a revision waiting for review, not
	// in the bin, oldest submission first; otherwise newest product first.
	ReviewQueue bool
	After       *Cursor
	Limit       int
}

// Cursor is a position in a product list: the sort time and the id.
type Cursor struct {
	At time.Time
	ID uuid.UUID
}

// SKURecord is a SKU with what BatchGetSkus reports of it.
type SKURecord struct {
	ID      uuid.UUID
	Code    string
	Product domain.Product
	// Content is the SKU as the live revision describes it, else as the
	// pending one does, else as the latest revision that had it.
	Content domain.SKU
	// InLive reports whether the live revision sells it.
	InLive bool
}

// SortOrder orders search results.
type SortOrder int

// The search orders.
const (
	SortRelevance SortOrder = iota // best text match first; newest without text
	SortPriceAsc
	SortPriceDesc
	SortNewest
)

// SearchQuery is a validated search over the listed products.
type SearchQuery struct {
	// Locales are the requested locale chain (domain.LocaleChain); each
	// product answers in the first it has, else its default locale.
	Locales []string
	// Text is the buyer's words; empty for no text condition.
	Text string
	// CategoryIDs is the category and its descendants; nil for any.
	CategoryIDs []uuid.UUID
	BrandID     uuid.UUID
	// Currency, with MinPrice and MaxPrice (nil for open), bounds the
	// cheapest SKU's price; empty for no bound.
	Currency           string
	MinPrice, MaxPrice *int64
	// SpecValues must all hold for one SKU of the product.
	SpecValues map[string]string
	Sort       SortOrder
	After      *SearchCursor
	Limit      int
}

// SearchCursor is the position after the last hit of a page: the sort keys
// of that hit.
type SearchCursor struct {
	Rank      float32
	ListedAt  time.Time
	Currency  string
	Price     int64
	ProductID uuid.UUID
}

// SearchHit is one product found.
type SearchHit struct {
	ProductID  uuid.UUID
	SupplierID uuid.UUID
	CategoryID uuid.UUID
	BrandID    uuid.UUID
	Type       domain.ProductType
	Locale     string
	Title      string
	Image      string
	FromPrice  money.Money
	ListedAt   time.Time
	Rank       float32
}

// OfferQuery finds the listed SKUs of a category with given spec values.
type OfferQuery struct {
	CategoryID uuid.UUID
	// SpecValues are the spec value sets to match; a SKU matches when its
	// set equals one of them.
	SpecValues []map[string]string
	// Currency is listed first; other currencies follow.
	Currency string
	Locales  []string
	Limit    int
}

// Offer is one SKU on sale.
type Offer struct {
	ProductID  uuid.UUID
	SKUID      uuid.UUID
	SupplierID uuid.UUID
	Title      string
	SpecValues map[string]string
	Price      money.Money
}

// CreationKey is what the first CreateProduct under a key recorded.
type CreationKey struct {
	Fingerprint string
	ProductID   uuid.UUID
}
