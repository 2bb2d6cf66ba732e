package domain

import (
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// ProductType decides whether a product ships.
type ProductType string

// Physical goods ship and need weight and dimensions; virtual ones do not.
const (
	ProductPhysical ProductType = "physical"
	ProductVirtual  ProductType = "virtual"
)

// Status is where a product is in its lifecycle. Until its first approval a
// product's status follows its revision through review (draft, submitted,
// changes requested, rejected); from then on it is approved, listed or
// delisted, and later revisions go through review without changing it.
type Status string

// The product statuses.
const (
	StatusDraft            Status = "draft"
	StatusSubmitted        Status = "submitted"
	StatusChangesRequested Status = "changes_requested"
	StatusRejected         Status = "rejected"
	StatusApproved         Status = "approved"
	StatusListed           Status = "listed"
	StatusDelisted         Status = "delisted"
)

// RevisionStatus is where a revision is in review.
type RevisionStatus string

// The revision statuses.
const (
	RevisionDraft            RevisionStatus = "draft"
	RevisionSubmitted        RevisionStatus = "submitted"
	RevisionChangesRequested RevisionStatus = "changes_requested"
	RevisionRejected         RevisionStatus = "rejected"
	RevisionApproved         RevisionStatus = "approved"
)

// Revision is one version of a product's content and its review.
type Revision struct {
	Number       int64
	Status       RevisionStatus
	Content      Content
	ReviewReason string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// QualityCheck is a recorded quality-check result.
type QualityCheck struct {
	Passed    bool
	Notes     string
	CheckedBy string
	CheckedAt time.Time
}

// Product is a supplier's product (SPU): the live revision buyers see, at
// most one pending revision being edited or reviewed, its translations and
// its place in the workflow.
type Product struct {
	ID            uuid.UUID
	SupplierID    uuid.UUID
	ModelID       uuid.UUID
	Type          ProductType
	Origin        Origin
	DefaultLocale string
	Status        Status
	// Live is the approved revision; nil until the first approval.
	Live *Revision
	// Pending is the revision being edited or reviewed; nil when there is
	// none. A rejected revision stays pending (with its reason) until the
	// next edit starts a new one.
	Pending *Revision
	// LastRevision is the highest revision number used.
	LastRevision int64
	QualityCheck *QualityCheck
	Translations []Translation
	// ReviewSince is when the pending revision was submitted; zero unless
	// one is waiting for a reviewer.
	ReviewSince time.Time
	// ListedAt is when the product last went on sale.
	ListedAt time.Time
	// DeletedAt is set while the product is in the bin.
	DeletedAt time.Time
	// ReviewHold is why a reviewer took the product off sale; while it is
	// set, only a reviewer's approval of a revision puts it back.
	ReviewHold string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Deleted reports whether the product is in the bin.
func (p *Product) Deleted() bool { return !p.DeletedAt.IsZero() }

// OnSale reports whether buyers see the product: listed, not in the bin.
func (p *Product) OnSale() bool {
	return p.Status == StatusListed && !p.Deleted() && p.Live != nil
}

// Revisions returns the live and pending revisions that exist.
func (p *Product) Revisions() []*Revision {
	var out []*Revision
	if p.Live != nil {
		out = append(out, p.Live)
	}
	if p.Pending != nil {
		out = append(out, p.Pending)
	}
	return out
}

// Currency is the product's currency: every price of it is in this one.
func (p *Product) Currency() string {
	for _, r := range p.Revisions() {
		if len(r.Content.SKUs) > 0 {
			return r.Content.SKUs[0].RetailPrice.Currency
		}
	}
	return ""
}

// ProductInput is a new product as a request describes it.
type ProductInput struct {
	ModelID       string
	Type          ProductType
	Origin        Origin
	DefaultLocale string
	Content       ContentInput
}

// ModelRef parses the model id, ok false when it is not a UUID.
func (in ProductInput) ModelRef() (uuid.UUID, bool) {
	var v violations
	id := parseID(&v, "model_id", in.ModelID, true)
	return id, len(v) == 0
}

// NewProduct validates a new product of supplier against its model (nil
// when model_id names no model: the caller reports that on "model_id") and
// returns it as a draft with revision 1 pending. SKU ids are left for the
// caller to assign.
func NewProduct(in ProductInput, model *ProductModel, supplier uuid.UUID, now time.Time) (Product, error) {
	var v violations
	modelID := parseID(&v, "model_id", in.ModelID, true)
	typ := in.Type
	if typ != ProductPhysical && typ != ProductVirtual {
		v.Add("type", "must be physical or virtual")
		typ = ""
	}
	origin := checkOrigin(&v, in.Origin)
	locale := checkLocale(&v, "default_locale", in.DefaultLocale)
	content, err := ValidateContent(in.Content, model, typ)
	if err := apperr.JoinInvalid(v.Err(), err); err != nil {
		return Product{}, err
	}
	return Product{
		ID: uuid.Must(uuid.NewV7()), SupplierID: supplier, ModelID: modelID, Type: typ, Origin: origin,
		DefaultLocale: locale, Status: StatusDraft,
		Pending:      &Revision{Number: 1, Status: RevisionDraft, Content: content, CreatedAt: now, UpdatedAt: now},
		LastRevision: 1, CreatedAt: now, UpdatedAt: now,
	}, nil
}
