package app

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/idempotency"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/paging"
	"github.com/crossdock/crossdock/services/catalog/internal/domain"
)

// CreateProduct creates a draft product with its SKUs for the caller's
// supplier organization. Suppliers only. With an idempotency key (per
// supplier) a retry answers the product the first call created, as it is
// now, and creates nothing.
func (s *Service) CreateProduct(ctx context.Context, caller auth.Caller, in domain.ProductInput, idempotencyKey string) (domain.Product, error) {
	org, err := supplierOf(caller)
	if err != nil {
		return domain.Product{}, err
	}
	if err := idempotency.CheckKey(idempotencyKey); err != nil {
		return domain.Product{}, err
	}
	var p domain.Product
	err = s.store.InTx(ctx, func(r Repository) error {
		var model *domain.ProductModel
		var modelErr error
		if id, ok := in.ModelRef(); ok {
			m, err := r.GetProductModel(ctx, id)
			switch {
			case apperr.IsKind(err, apperr.KindNotFound):
				modelErr = apperr.InvalidField("model_id", "is not a known product model")
			case err != nil:
				return err
			default:
				model = &m
			}
		}
		refsErr, err := checkRefs(ctx, r, in.Content.Refs())
		if err != nil {
			return err
		}
		now := s.clock()
		p, err = domain.NewProduct(in, model, org, now)
		if err := apperr.JoinInvalid(err, modelErr, refsErr); err != nil {
			return err
		}
		if idempotencyKey != "" {
			fp := idempotency.Fingerprint(in)
			claimed, stored, err := r.ClaimCreationKey(ctx, org, idempotencyKey, fp, p.ID, now)
			switch {
			case err != nil:
				return err
			case !claimed && stored.Fingerprint != fp:
				return idempotency.ErrKeyReused
			case !claimed:
				p, err = r.GetProduct(ctx, stored.ProductID)
				return err
			}
		}
		created, err := assignSKUs(ctx, r, &p.Pending.Content, org, nil)
		if err != nil {
			return err
		}
		if err := r.CreateProduct(ctx, p); err != nil {
			return err
		}
		t := domain.Transition{To: p.Status, Action: domain.ActionCreated, Actor: caller.Subject, Revision: 1, At: now}
		if err := r.AddTransitions(ctx, p.ID, t); err != nil {
			return err
		}
		return s.registerSKUs(ctx, r, p, created, now)
	})
	return p, err
}

// UpdateProduct replaces the content of the pending revision, or starts a
// new revision (see domain.Product.Edit). The product's owner only. seen is
// the update time of the revision the editor read (zero: not checked;
// domain.Product.EditedAsSeen).
func (s *Service) UpdateProduct(ctx context.Context, caller auth.Caller, id uuid.UUID, in domain.ContentInput, seen time.Time) (domain.Product, error) {
	org, err := supplierOf(caller)
	if err != nil {
		return domain.Product{}, err
	}
	var p domain.Product
	err = s.store.InTx(ctx, func(r Repository) error {
		var (
			created  []domain.SKU
			t        domain.Transition
			logged   bool
			outdated []domain.Translation
		)
		var now time.Time
		var err error
		p, err = r.UpdateProduct(ctx, id, func(p *domain.Product) ([]outbox.Message, error) {
			// After the product's last change, as every step is (stepTime).
			now = s.stepTime(*p)
			if err := ownedBy(org, *p); err != nil {
				return nil, err
			}
			if p.Deleted() {
				return nil, domain.ErrProductDeleted
			}
			if p.Pending != nil && p.Pending.Status == domain.RevisionSubmitted {
				return nil, domain.ErrUnderReview
			}
			if err := p.EditedAsSeen(seen); err != nil {
				return nil, err
			}
			model, err := r.GetProductModel(ctx, p.ModelID)
			if err != nil {
				return nil, err
			}
			refsErr, err := checkRefs(ctx, r, in.Refs())
			if err != nil {
				return nil, err
			}
			content, err := domain.ValidateContent(in, &model, p.Type)
			if err := apperr.JoinInvalid(err, refsErr); err != nil {
				return nil, err
			}
			existing, err := r.ProductSKUs(ctx, p.ID)
			if err != nil {
				return nil, err
			}
			if created, err = assignSKUs(ctx, r, &content, p.SupplierID, existing); err != nil {
				return nil, err
			}
			var before *domain.Content
			if p.Pending != nil {
				c := p.Pending.Content // a copy: an edit in place replaces it
				before = &c
			}
			if t, logged, err = p.Edit(content, caller.Subject, now); err != nil {
				return nil, err
			}
			if before != nil {
				outdated = p.Redescribed(*before)
			}
			return nil, nil
		})
		if err != nil {
			return err
		}
		for _, tr := range outdated {
			if err := r.SaveTranslation(ctx, p.ID, tr); err != nil {
				return err
			}
		}
		if logged {
			if err := r.AddTransitions(ctx, p.ID, t); err != nil {
				return err
			}
		}
		return s.registerSKUs(ctx, r, p, created, now)
	})
	return p, err
}

// checkRefs reports the category and brand that content names but that do
// not exist, as field violations (nil error when both exist or are unset).
func checkRefs(ctx context.Context, r Taxonomy, refs domain.ContentRefs) (invalid error, err error) {
	var bad []apperr.FieldViolation
	if refs.CategoryID != uuid.Nil {
		_, err := r.GetCategory(ctx, refs.CategoryID)
		switch {
		case apperr.IsKind(err, apperr.KindNotFound):
			bad = append(bad, apperr.FieldViolation{Field: "content.category_id", Description: "is not a known category"})
		case err != nil:
			return nil, err
		}
	}
	if refs.BrandID != uuid.Nil {
		_, err := r.GetBrand(ctx, refs.BrandID)
		switch {
		case apperr.IsKind(err, apperr.KindNotFound):
			bad = append(bad, apperr.FieldViolation{Field: "content.brand_id", Description: "is not a known brand"})
		case err != nil:
			return nil, err
		}
	}
	if len(bad) > 0 {
		return apperr.Invalid(bad...), nil
	}
	return nil, nil
}

// assignSKUs gives every SKU of content its id: the product's existing SKU
// with the same code keeps its id, a new code gets a new SKU. A given sku_id
// must be the one its code already has. It returns the new SKUs; a new code
// that another of the supplier's products uses is domain.ErrSKUCodeTaken.
func assignSKUs(ctx context.Context, r SKUs, c *domain.Content, supplier uuid.UUID, existing map[string]uuid.UUID) ([]domain.SKU, error) {
	var bad []apperr.FieldViolation
	var created []domain.SKU
	var codes []string
	for i := range c.SKUs {
		sku := &c.SKUs[i]
		field := apperr.Index("content.skus", i, "sku_id")
		if id, ok := existing[sku.Code]; ok {
			if sku.ID != uuid.Nil && sku.ID != id {
				bad = append(bad, apperr.FieldViolation{Field: field, Description: "is not the id of this product's SKU " + sku.Code})
			}
			sku.ID = id
			continue
		}
		if sku.ID != uuid.Nil {
			bad = append(bad, apperr.FieldViolation{Field: field, Description: "names no SKU of this product with this sku_code: leave it empty for a new SKU"})
		}
		sku.ID = uuid.Must(uuid.NewV7())
		created = append(created, *sku)
		codes = append(codes, sku.Code)
	}
	if len(bad) > 0 {
		return nil, apperr.Invalid(bad...)
	}
	if len(codes) == 0 {
		return nil, nil
	}
	taken, err := r.SKUCodeOwners(ctx, supplier, codes)
	if err != nil {
		return nil, err
	}
	for i, sku := range c.SKUs {
		if _, ok := taken[sku.Code]; ok && slices.Contains(codes, sku.Code) {
			bad = append(bad, apperr.FieldViolation{Field: apperr.Index("content.skus", i, "sku_code"), Description: "is used by another of your products"})
		}
	}
	if len(bad) > 0 {
		return nil, domain.ErrSKUCodeTaken.WithViolations(bad...)
	}
	return created, nil
}

// registerSKUs stores the new SKUs of a product and announces each, so
// inventory can stock it before the product is even approved.
func (s *Service) registerSKUs(ctx context.Context, r Repository, p domain.Product, created []domain.SKU, now time.Time) error {
	if len(created) == 0 {
		return nil
	}
	if err := r.CreateSKUs(ctx, p.SupplierID, p.ID, created, now); err != nil {
		return err
	}
	for _, sku := range created {
		if err := r.Emit(ctx, SubjectSkuCreated, &catalogv1.SkuCreated{
			SkuId: sku.ID.String(), ProductId: p.ID.String(), SupplierId: p.SupplierID.String(),
			RetailPrice: moneyProto(sku.RetailPrice), OccurredAt: timestamppb.New(now), SkuCode: sku.Code,
		}); err != nil {
			return err
		}
	}
	return nil
}

// GetProduct returns a product to its owner, operators and services; to
// anyone else it does not exist.
func (s *Service) GetProduct(ctx context.Context, caller auth.Caller, id uuid.UUID) (domain.Product, error) {
	return visibleProduct(ctx, s.store, caller, id)
}

// NumberedTransition is a transition with its place in the product's
// history, which a history page's token names.
type NumberedTransition struct {
	Seq int64
	domain.Transition
}

// HistoryPage is one page of a product's history.
type HistoryPage struct {
	Transitions []domain.Transition
	// NextPageToken fetches the next page; empty on the last.
	NextPageToken string
}

type historyCursor struct {
	Product uuid.UUID `json:"p"`
	Seq     int64     `json:"s"`
}

// GetProductHistory lists a product's transitions, oldest first and a page
// at a time, to its owner and to operators. A product's history grows with
// every edit, review and listing, so it is not answered whole.
func (s *Service) GetProductHistory(ctx context.Context, caller auth.Caller, id uuid.UUID, pageSize int, pageToken string) (HistoryPage, error) {
	limit, err := productPages.Size(pageSize)
	if err != nil {
		return HistoryPage{}, err
	}
	var after int64
	if pageToken != "" {
		var c historyCursor
		if err := paging.Decode(pageToken, &c); err != nil || c.Product != id || c.Seq <= 0 {
			return HistoryPage{}, paging.ErrBadToken
		}
		after = c.Seq
	}
	if _, err := visibleProduct(ctx, s.store, caller, id); err != nil {
		return HistoryPage{}, err
	}
	ts, err := s.store.Transitions(ctx, id, after, limit+1)
	if err != nil {
		return HistoryPage{}, err
	}
	var page HistoryPage
	for _, t := range ts[:min(len(ts), limit)] {
		page.Transitions = append(page.Transitions, t.Transition)
	}
	if len(ts) > limit {
		page.NextPageToken = paging.Encode(historyCursor{Product: id, Seq: ts[limit-1].Seq})
	}
	return page, nil
}

// ProductPage is one page of a product list.
type ProductPage struct {
	Products []domain.Product
	// NextPageToken fetches the next page; empty on the last.
	NextPageToken string
}

// productCursor is a position in a product list; its token is bound to
// the list's filter (productFilter), the review queue's included.
type productCursor struct {
	At time.Time `json:"t"`
	ID uuid.UUID `json:"i"`
}

// productFilter is what a product list's page token is bound to.
type productFilter struct {
	ReviewQueue bool
	Status      domain.Status
	Deleted     bool
}

// ListSupplierProducts lists the caller's organization's products, newest
// first, optionally in one status; with deleted, the bin. Suppliers only.
func (s *Service) ListSupplierProducts(ctx context.Context, caller auth.Caller, status domain.Status, deleted bool, pageSize int, pageToken string) (ProductPage, error) {
	org, err := supplierOf(caller)
	if err != nil {
		return ProductPage{}, err
	}
	return s.listProducts(ctx, ProductQuery{SupplierID: org, Status: status, Deleted: deleted}, pageSize, pageToken)
}

// ListReviewQueue lists the products with a revision waiting for review,
// oldest submission first. Reviewers.
func (s *Service) ListReviewQueue(ctx context.Context, caller auth.Caller, pageSize int, pageToken string) (ProductPage, error) {
	if !isReviewer(caller) {
		return ProductPage{}, ErrReviewersOnly
	}
	return s.listProducts(ctx, ProductQuery{ReviewQueue: true}, pageSize, pageToken)
}

func (s *Service) listProducts(ctx context.Context, q ProductQuery, pageSize int, pageToken string) (ProductPage, error) {
	limit, err := productPages.Size(pageSize)
	if err != nil {
		return ProductPage{}, err
	}
	// A token belongs to its list's filter: taken to another (a status
	// changed, the bin), it would start that list at a row of the first
	// and skip what comes before it.
	filter := productFilter{ReviewQueue: q.ReviewQueue, Status: q.Status, Deleted: q.Deleted}
	if pageToken != "" {
		var c productCursor
		if err := paging.DecodeFor(pageToken, filter, &c); err != nil || c.ID == uuid.Nil {
			return ProductPage{}, paging.ErrBadToken
		}
		q.After = &Cursor{At: c.At, ID: c.ID}
	}
	q.Limit = limit + 1 // one more tells whether a next page exists
	products, err := s.store.ListProducts(ctx, q)
	if err != nil {
		return ProductPage{}, err
	}
	page := ProductPage{Products: products}
	if len(products) > limit {
		page.Products = products[:limit]
		last := page.Products[limit-1]
		c := productCursor{At: last.CreatedAt, ID: last.ID}
		if q.ReviewQueue {
			c.At = last.ReviewSince
		}
		page.NextPageToken = paging.EncodeFor(filter, c)
	}
	return page, nil
}
