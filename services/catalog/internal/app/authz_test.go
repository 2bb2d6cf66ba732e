package app_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/catalog/internal/app"
	"github.com/crossdock/crossdock/services/catalog/internal/domain"
)

// The authorization matrix: who may call what, and what the others get.
// Another supplier's products do not exist for a supplier; buyers and
// anonymous callers never see unlisted or deleted products.
func TestAuthorization(t *testing.T) {
	f := newFixture(t)
	draft := f.create(t, f.supplierA, "Draft buds", "DRAFT", map[string]int64{"black": 1000})
	submitted := f.create(t, f.supplierA, "Submitted buds", "SUB", map[string]int64{"black": 1000})
	must(f.svc.SubmitProduct(ctx, f.supplierA, submitted.ID))(t)
	listed := f.listed(t, f.supplierA, "Listed buds", "LIST", map[string]int64{"black": 1000})
	deleted := f.listed(t, f.supplierA, "Deleted buds", "DEL", map[string]int64{"black": 1000})
	must(f.svc.DeleteProduct(ctx, f.supplierA, deleted.ID))(t)
	f.setTier(t, f.merchant, "gold")
	anonymous := auth.Caller{}
	// Supplier A's ERP acts for A; a partner platform's client acts for nobody
	// here, even naming A's organization.
	erpA := auth.Caller{Subject: "erp-a", Kind: auth.KindAPIClient, Roles: []string{auth.RoleERP}, OrganizationID: f.supplierA.OrganizationID}
	erpB := auth.Caller{Subject: "erp-b", Kind: auth.KindAPIClient, Roles: []string{auth.RoleERP}, OrganizationID: f.supplierB.OrganizationID}
	partner := auth.Caller{Subject: "partner", Kind: auth.KindAPIClient, Roles: []string{auth.RolePartner}, OrganizationID: f.supplierA.OrganizationID}
	content := f.content("Edited", "LIST", map[string]int64{"black": 1000})

	type call func(c auth.Caller) error
	tests := []struct {
		name    string
		call    call
		allowed []auth.Caller
		denied  map[apperr.Kind][]auth.Caller
	}{
		{"CreateCategory", func(c auth.Caller) error {
			_, err := f.svc.CreateCategory(ctx, c, domain.CategoryInput{Name: "X", Slug: "x-" + uuid.NewString()[:8]})
			return err
		}, []auth.Caller{f.admin, f.reviewer},
			map[apperr.Kind][]auth.Caller{apperr.KindPermissionDenied: {f.translator, f.supplierA, f.buyer, f.service, anonymous}}},
		{"CreateProduct", func(c auth.Caller) error {
			_, err := f.svc.CreateProduct(ctx, c, f.productInput("New", "NEW-"+uuid.NewString()[:8], map[string]int64{"black": 5}), "")
			return err
		}, []auth.Caller{f.supplierA, f.supplierB, erpA},
			map[apperr.Kind][]auth.Caller{apperr.KindPermissionDenied: {f.admin, f.reviewer, f.buyer, f.merchant, f.service, partner, anonymous}}},
		{"GetProduct draft", func(c auth.Caller) error { _, err := f.svc.GetProduct(ctx, c, draft.ID); return err },
			[]auth.Caller{f.supplierA, erpA, f.admin, f.reviewer, f.translator, f.service},
			map[apperr.Kind][]auth.Caller{apperr.KindNotFound: {f.supplierB, erpB, partner, f.buyer, f.merchant, anonymous}}},
		{"GetProductHistory", func(c auth.Caller) error { _, err := f.svc.GetProductHistory(ctx, c, listed.ID, 0, ""); return err },
			[]auth.Caller{f.supplierA, erpA, f.reviewer},
			map[apperr.Kind][]auth.Caller{apperr.KindNotFound: {f.supplierB, erpB, f.buyer}}},
		{"UpdateProduct", func(c auth.Caller) error {
			_, err := f.svc.UpdateProduct(ctx, c, listed.ID, content, time.Time{})
			return err
		},
			[]auth.Caller{f.supplierA, erpA},
			map[apperr.Kind][]auth.Caller{apperr.KindNotFound: {f.supplierB, erpB}, apperr.KindPermissionDenied: {f.admin, f.reviewer, f.buyer, partner}}},
		{"SubmitProduct", func(c auth.Caller) error { _, err := f.svc.SubmitProduct(ctx, c, draft.ID); return err },
			[]auth.Caller{f.supplierA},
			map[apperr.Kind][]auth.Caller{apperr.KindNotFound: {f.supplierB}, apperr.KindPermissionDenied: {f.reviewer, f.buyer}}},
		{"ApproveProduct", func(c auth.Caller) error {
			_, err := f.svc.ApproveProduct(ctx, c, submitted.ID, time.Time{})
			return err
		},
			[]auth.Caller{f.reviewer},
			map[apperr.Kind][]auth.Caller{apperr.KindPermissionDenied: {f.supplierA, erpA, f.translator, f.buyer, f.service}}},
		{"RecordQualityCheck", func(c auth.Caller) error { _, err := f.svc.RecordQualityCheck(ctx, c, listed.ID, true, ""); return err },
			[]auth.Caller{f.reviewer, f.admin},
			map[apperr.Kind][]auth.Caller{apperr.KindPermissionDenied: {f.supplierA, f.translator}}},
		{"ListReviewQueue", func(c auth.Caller) error { _, err := f.svc.ListReviewQueue(ctx, c, 0, ""); return err },
			[]auth.Caller{f.reviewer, f.admin},
			map[apperr.Kind][]auth.Caller{apperr.KindPermissionDenied: {f.supplierA, f.translator, f.buyer}}},
		{"UpsertTranslation", func(c auth.Caller) error {
			_, err := f.svc.UpsertTranslation(ctx, c, listed.ID, domain.TranslationInput{Locale: "fr", Title: "Écouteurs"})
			return err
		}, []auth.Caller{f.translator, f.admin},
			map[apperr.Kind][]auth.Caller{apperr.KindPermissionDenied: {f.supplierA, erpA, f.reviewer, f.buyer}}},
		{"DeleteProduct of another supplier", func(c auth.Caller) error { _, err := f.svc.DeleteProduct(ctx, c, listed.ID); return err },
			nil, map[apperr.Kind][]auth.Caller{apperr.KindNotFound: {f.supplierB, erpB}, apperr.KindPermissionDenied: {f.reviewer, f.buyer, partner}}},
		{"RestoreProduct of another supplier", func(c auth.Caller) error { _, err := f.svc.RestoreProduct(ctx, c, deleted.ID); return err },
			nil, map[apperr.Kind][]auth.Caller{apperr.KindNotFound: {f.supplierB}}},
		{"GetListing listed", func(c auth.Caller) error { _, err := f.svc.GetListing(ctx, listed.ID, ""); return err },
			[]auth.Caller{anonymous}, nil},
		{"GetListing of an unlisted product", func(c auth.Caller) error { _, err := f.svc.GetListing(ctx, submitted.ID, ""); return err },
			nil, map[apperr.Kind][]auth.Caller{apperr.KindNotFound: {anonymous}}},
		{"GetListing of a deleted product", func(c auth.Caller) error { _, err := f.svc.GetListing(ctx, deleted.ID, ""); return err },
			nil, map[apperr.Kind][]auth.Caller{apperr.KindNotFound: {anonymous}}},
		{"CompareOffers of a deleted product", func(c auth.Caller) error { _, err := f.svc.CompareOffers(ctx, deleted.ID, "", 0); return err },
			nil, map[apperr.Kind][]auth.Caller{apperr.KindNotFound: {anonymous}}},
		{"GetMerchantPrices", func(c auth.Caller) error { _, err := f.svc.GetMerchantPrices(ctx, c, listed.ID); return err },
			[]auth.Caller{f.merchant},
			map[apperr.Kind][]auth.Caller{apperr.KindPermissionDenied: {f.buyer, f.supplierA, erpA, f.admin, anonymous}}},
		{"GetMerchantPrices of an unlisted product", func(c auth.Caller) error { _, err := f.svc.GetMerchantPrices(ctx, c, draft.ID); return err },
			nil, map[apperr.Kind][]auth.Caller{apperr.KindNotFound: {f.merchant}}},
		{"BatchGetSkus", func(c auth.Caller) error {
			_, _, err := f.svc.BatchGetSkus(ctx, c, []string{listed.Live.Content.SKUs[0].ID.String()}, "")
			return err
		}, []auth.Caller{f.service, f.admin, f.reviewer},
			map[apperr.Kind][]auth.Caller{apperr.KindPermissionDenied: {f.supplierA, erpA, partner, f.buyer, f.merchant, anonymous}}},
		{"GetProductModel", func(c auth.Caller) error { _, err := f.svc.GetProductModel(ctx, c, f.model.ID); return err },
			[]auth.Caller{f.buyer, f.supplierA}, map[apperr.Kind][]auth.Caller{apperr.KindUnauthenticated: {anonymous}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range tt.allowed {
				if err := tt.call(c); err != nil {
					t.Errorf("%v: %v", c.Roles, err)
				}
			}
			for kind, callers := range tt.denied {
				for _, c := range callers {
					if err := tt.call(c); apperr.KindOf(err) != kind {
						t.Errorf("%v (%s): %v, want %v", c.Roles, c.Kind, err, kind)
					}
				}
			}
		})
	}

	// Buyers never find unlisted or deleted products.
	for _, title := range f.search(t, app.SearchInput{Query: "buds"}) {
		if title != "Listed buds" {
			t.Errorf("search shows %q", title)
		}
	}
	// A supplier's lists hold only its own products.
	page := must(f.svc.ListSupplierProducts(ctx, f.supplierB, "", false, 0, ""))(t)
	if len(page.Products) != 1 { // the one it created in the matrix above
		t.Errorf("supplier B sees %d products", len(page.Products))
	}
	for _, p := range page.Products {
		if p.SupplierID.String() != f.supplierB.OrganizationID {
			t.Errorf("supplier B sees a product of %s", p.SupplierID)
		}
	}
	// Supplier A's ERP sees what supplier A sees.
	mine := must(f.svc.ListSupplierProducts(ctx, f.supplierA, "", false, 0, ""))(t)
	viaERP := must(f.svc.ListSupplierProducts(ctx, erpA, "", false, 0, ""))(t)
	if len(viaERP.Products) == 0 || len(viaERP.Products) != len(mine.Products) {
		t.Errorf("supplier A's ERP sees %d products, supplier A %d", len(viaERP.Products), len(mine.Products))
	}
	// The owner may delist its product and list it again; a reviewer may
	// take any product down, and then only a reviewer puts it back (see
	// TestAReviewersTakedownHolds).
	must(f.svc.DelistProduct(ctx, f.supplierA, listed.ID, ""))(t)
	must(f.svc.ListProduct(ctx, f.supplierA, listed.ID))(t)
	must(f.svc.DelistProduct(ctx, f.reviewer, listed.ID, "counterfeit report"))(t)
	_, err := f.svc.DelistProduct(ctx, f.supplierB, listed.ID, "")
	wantKind(t, err, apperr.KindNotFound)
}
