package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// ReviewOverdueAfter is how long a product's newer content may wait for
// the review of its previous revision before operators are told (the
// failing-steps queue "supply_reviews", kind "overdue"). Waiting for a
// reviewer is normal and is not a failure; a day of it means nobody
// reviews the platform's products, and its price changes wait meanwhile.
const ReviewOverdueAfter = 24 * time.Hour

// reasonUnderReview is catalog refusing to edit a revision that waits for
// review.
const reasonUnderReview = "REVISION_UNDER_REVIEW"

func isUnderReview(err error) bool {
	var e *apperr.Error
	return errors.As(err, &e) && e.Kind == apperr.KindFailedPrecondition && e.Reason == reasonUnderReview
}

// deferredBatch bounds the deferred products one round looks at again; the
// ones looked at least recently come first, so every one gets its turn.
const deferredBatch = 100

// PendingRevision is a catalogue product's pending revision as docking
// reads it back.
type PendingRevision struct {
	// UnderReview says it waits for a reviewer: catalog refuses to edit
	// it until the review ends (approved, rejected or sent back).
	UnderReview         bool
	CategoryID, BrandID string
	Content             domain.ImportedProduct
	// SKUs are its catalogue SKU ids by code.
	SKUs map[string]uuid.UUID
}

// Holds says whether the revision holds exactly what docking would give
// the catalogue for p under the defaults d.
func (r PendingRevision) Holds(d domain.SupplyDefaults, p domain.ImportedProduct) bool {
	return strings.EqualFold(r.CategoryID, d.CategoryID) && strings.EqualFold(r.BrandID, d.BrandID) && r.Content.SameContent(p)
}

// settleUnderReview records a product whose catalogue revision waits for
// review while docking has content for it, in one local transaction. A
// revision holding exactly that content is docking's own submission whose
// answer (or record) was lost: it is recorded as submitted, and nothing is
// edited or submitted again. Other content is deferred: the watermark
// moves on and the product's later versions and the platform's other
// products import, and retryDeferred gives the catalogue the newest
// content once the review ends. A crash before the record only repeats
// this next round.
func (s *Supply) settleUnderReview(ctx context.Context, p domain.SupplyPlatform, rec SupplyProductRecord, productID uuid.UUID, content domain.ImportedProduct) error {
	rev, err := s.catalog.PendingRevision(ctx, SupplyERP{ClientID: p.ERPClientID, Key: p.ERPKey}, productID)
	if err != nil {
		return err
	}
	if rec.State == "" || rec.State == SupplySkipped {
		rec.State = SupplySubmitted
	}
	rec.ProductID, rec.Problem = productID, ""
	if rev.UnderReview && rev.Holds(p.Defaults, content) {
		rec.Fingerprint, rec.Deferred, rec.UpdatedAt = content.Fingerprint, nil, s.clock()
		return s.store.SaveSupplyProduct(ctx, rec, rev.SKUs)
	}
	if rec.Deferred == nil || rec.Deferred.Fingerprint != content.Fingerprint {
		s.log.Info("a supply product changed while its previous revision waits for review; the change is applied once the review ends",
			"platform", p.Code, "platform_product", rec.PlatformProductID, "product", productID)
	}
	// Saved even when unchanged: updated_at rotates the deferred products
	// looked at each round.
	rec.Deferred, rec.UpdatedAt = &content, s.clock()
	return s.store.SaveSupplyProduct(ctx, rec, rev.SKUs)
}

// retryDeferred gives the catalogue the deferred content of products whose
// review ended since; those still under review stay deferred. Each one is
// tried: one failing holds none of the others back.
func (s *Supply) retryDeferred(ctx context.Context, p domain.SupplyPlatform) error {
	recs, err := s.store.DeferredSupplyProducts(ctx, p.ID, deferredBatch)
	if err != nil {
		return err
	}
	var errs []error
	for _, rec := range recs {
		if err := s.applyContent(ctx, p, rec, *rec.Deferred); err != nil {
			errs = append(errs, fmt.Errorf("deferred product %s: %w", rec.PlatformProductID, err))
		}
	}
	return errors.Join(errs...)
}
