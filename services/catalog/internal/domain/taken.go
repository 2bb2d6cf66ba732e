package domain

import "github.com/crossdock/crossdock/pkg/apperr"

// Names and codes that must be unique. The database enforces the uniqueness
// (a check before the insert would race); the repository translates its
// unique violation into these errors, so that what a user sees is decided
// here, not by the storage.
var (
	ErrSlugTaken = apperr.AlreadyExists("a sibling category has this slug").
			WithReason("CATEGORY_SLUG_TAKEN").
			WithViolations(apperr.FieldViolation{Field: "slug", Description: "is used by a sibling category"})
	ErrBrandTaken = apperr.AlreadyExists("a brand with this name exists").
			WithReason("BRAND_NAME_TAKEN").
			WithViolations(apperr.FieldViolation{Field: "name", Description: "is used by another brand"})
	ErrModelTaken = apperr.AlreadyExists("a product model with this name exists").
			WithReason("MODEL_NAME_TAKEN").
			WithViolations(apperr.FieldViolation{Field: "name", Description: "is used by another product model"})
	// ErrSKUCodeTaken is a SKU code the supplier already uses on another of
	// its products. The use case names the exact fields when it finds the
	// clash itself; the repository, which meets it only as a unique
	// violation, names the list.
	ErrSKUCodeTaken = apperr.AlreadyExists("a SKU code is already used by another of the supplier's products").
			WithReason("SKU_CODE_TAKEN").
			WithViolations(apperr.FieldViolation{Field: "content.skus", Description: "use a SKU code that none of your products uses"})
)
