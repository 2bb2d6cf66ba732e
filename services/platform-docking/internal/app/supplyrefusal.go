package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// refusedContent reports whether the catalogue refused one product's content
// itself: content its rules do not take (Invalid: a title too long, an
// attribute its model requires; also defaults it does not know), SKU codes
// another of the supplier's products holds (AlreadyExists), a product it will
// not edit (in the bin, gone: FailedPrecondition, NotFound). Such a refusal is
// the product's own and holds back no other product. Anything else (the
// catalogue unreachable or failing, the ERP's credential refused) stops the
// import, and the round is tried again.
func refusedContent(err error) bool {
	switch apperr.KindOf(err) {
	case apperr.KindInvalid, apperr.KindAlreadyExists, apperr.KindFailedPrecondition, apperr.KindNotFound:
		return !isUnderReview(err)
	}
	return false
}

// settleRefused records a product whose content the catalogue refused: the
// refusal as the product's problem, for operators, and the content deferred
// on its record, so the watermark moves on and the platform's other products
// import. retryDeferred gives the catalogue the content again each round
// (a refusal may be mended on our side: the platform's defaults edited, a
// product model changed), and a newer version from the platform replaces it.
// A product the catalogue holds already (a create that went through and a
// submission refused) keeps its id, so the retry edits it.
func (s *Supply) settleRefused(ctx context.Context, p domain.SupplyPlatform, rec SupplyProductRecord, made CatalogImport, content domain.ImportedProduct, refusal error) error {
	s.log.Warn("the catalogue refused a supply product; it is offered again each round and when it changes",
		"platform", p.Code, "platform_product", rec.PlatformProductID, "error", refusal)
	if rec.State == "" {
		rec.State = SupplySkipped
	}
	if made.ProductID != uuid.Nil {
		rec.ProductID = made.ProductID
	}
	rec.Problem, rec.Deferred, rec.UpdatedAt = "the catalogue refused it: "+refusal.Error(), &content, s.clock()
	return s.store.SaveSupplyProduct(ctx, rec, made.SKUs)
}
