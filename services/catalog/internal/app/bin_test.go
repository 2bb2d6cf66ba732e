package app_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/catalog/internal/app"
	"github.com/crossdock/crossdock/services/catalog/internal/domain"
)

// The bin hides a product everywhere and makes its SKUs unreservable;
// restoring brings it back as it was; the purge removes it for good after
// the retention.
func TestBin(t *testing.T) {
	f := newFixture(t)
	p := f.listed(t, f.supplierA, "Bin buds", "BIN", map[string]int64{"black": 1000, "white": 1000})
	skus := []string{p.Live.Content.SKUs[0].ID.String(), p.Live.Content.SKUs[1].ID.String()}

	infos, missing := must2(f.svc.BatchGetSkus(ctx, f.service, skus, ""))(t)
	if len(infos) != 2 || len(missing) != 0 || !infos[0].OnSale || !infos[0].Reservable || infos[0].Code != "BIN-black" ||
		infos[0].WeightG != 250 || infos[0].Product.Origin.RegionCode != "CN-GD" {
		t.Fatalf("before delete = %+v, missing %v", infos, missing)
	}

	must(f.svc.DeleteProduct(ctx, f.supplierA, p.ID))(t)
	if got := f.search(t, app.SearchInput{Query: "bin"}); len(got) != 0 {
		t.Errorf("search shows a deleted product: %v", got)
	}
	_, err := f.svc.GetListing(ctx, p.ID, "")
	wantKind(t, err, apperr.KindNotFound)
	infos, _ = must2(f.svc.BatchGetSkus(ctx, f.service, skus, ""))(t)
	if infos[0].OnSale || infos[0].Reservable || infos[1].Reservable {
		t.Errorf("deleted SKUs = %+v", infos)
	}
	if page := must(f.svc.ListSupplierProducts(ctx, f.supplierA, "", false, 0, ""))(t); len(page.Products) != 0 {
		t.Errorf("a deleted product among the live ones")
	}
	bin := must(f.svc.ListSupplierProducts(ctx, f.supplierA, "", true, 0, ""))(t)
	if len(bin.Products) != 1 || bin.Products[0].DeletedAt.IsZero() {
		t.Errorf("bin = %+v", bin.Products)
	}
	_, err = f.svc.UpdateProduct(ctx, f.supplierA, p.ID, f.content("X", "BIN", map[string]int64{"black": 1}), time.Time{})
	wantKind(t, err, apperr.KindFailedPrecondition)

	// Restore: back on sale as before.
	restored := must(f.svc.RestoreProduct(ctx, f.supplierA, p.ID))(t)
	if restored.Status != domain.StatusListed || restored.Deleted() {
		t.Fatalf("restored = %s deleted %v", restored.Status, restored.Deleted())
	}
	if got := f.search(t, app.SearchInput{Query: "bin"}); !slices.Equal(got, []string{"Bin buds"}) {
		t.Errorf("search after restore = %v", got)
	}
	infos, _ = must2(f.svc.BatchGetSkus(ctx, f.service, skus, ""))(t)
	if !infos[0].Reservable || !infos[0].OnSale {
		t.Errorf("restored SKUs = %+v", infos)
	}

	// Purge: only after the retention.
	must(f.svc.DeleteProduct(ctx, f.supplierA, p.ID))(t)
	f.clock.Advance(app.DefaultConfig().PurgeAfter - time.Minute)
	if n := must(f.svc.PurgeBin(ctx))(t); n != 0 {
		t.Fatalf("purged %d before the retention ended", n)
	}
	f.clock.Advance(2 * time.Minute)
	if n := must(f.svc.PurgeBin(ctx))(t); n != 1 {
		t.Fatalf("purged %d, want 1", n)
	}
	infos, missing = must2(f.svc.BatchGetSkus(ctx, f.service, append(skus, skus[0]), ""))(t)
	if len(infos) != 0 || !slices.Equal(missing, append(skus, skus[0])) {
		t.Errorf("after purge: %+v, missing %v", infos, missing)
	}
	// The purged codes are free again.
	f.create(t, f.supplierA, "Bin buds again", "BIN", map[string]int64{"black": 1000})
}

// SKUs keep their ids across revisions; a SKU dropped from the live
// revision is still known but no longer on sale.
func TestSKUIdentity(t *testing.T) {
	f := newFixture(t)
	p := f.listed(t, f.supplierA, "Buds", "B", map[string]int64{"black": 1000, "white": 1000})
	black, white := p.Live.Content.SKUs[0], p.Live.Content.SKUs[1]

	// Drop white, keep black (sending its id is allowed), add red.
	c := f.content("Buds", "B", map[string]int64{"black": 1000, "red": 1000})
	c.SKUs[0].SkuID = black.ID.String()
	p = must(f.svc.UpdateProduct(ctx, f.supplierA, p.ID, c, time.Time{}))(t)
	if p.Pending.Content.SKUs[0].ID != black.ID || p.Pending.Content.SKUs[1].ID == white.ID {
		t.Fatalf("pending SKUs = %+v", p.Pending.Content.SKUs)
	}
	red := p.Pending.Content.SKUs[1]
	must(f.svc.SubmitProduct(ctx, f.supplierA, p.ID))(t)

	// During review: white is still on sale, red is known but not on sale.
	infos, _ := must2(f.svc.BatchGetSkus(ctx, f.service, []string{white.ID.String(), red.ID.String()}, ""))(t)
	if !infos[0].OnSale || infos[1].OnSale || !infos[1].Reservable || infos[1].Code != "B-red" {
		t.Errorf("during review = %+v", infos)
	}
	must(f.svc.ApproveProduct(ctx, f.reviewer, p.ID, time.Time{}))(t)
	infos, _ = must2(f.svc.BatchGetSkus(ctx, f.service, []string{white.ID.String(), red.ID.String()}, ""))(t)
	if infos[0].OnSale || infos[0].Code != "B-white" || infos[0].RetailPrice != eur(1000) || !infos[1].OnSale {
		t.Errorf("after approval = %+v", infos)
	}

	// Bringing white back restores its id.
	c = f.content("Buds", "B", map[string]int64{"black": 1000, "white": 1500, "red": 1000})
	p = must(f.svc.UpdateProduct(ctx, f.supplierA, p.ID, c, time.Time{}))(t)
	if p.Pending.Content.SKUs[1].ID != white.ID {
		t.Errorf("white came back as %s, want %s", p.Pending.Content.SKUs[1].ID, white.ID)
	}
}

// SKUs dropped by different revisions, asked for in one batch, are each
// described by the latest revision that had them (read together in one
// query, each its own).
func TestRetiredSKUsAreDescribedByTheirLatestRevision(t *testing.T) {
	f := newFixture(t)
	p := f.listed(t, f.supplierA, "Buds", "R", map[string]int64{"black": 1000, "white": 1100, "red": 1200})
	skus := map[string]uuid.UUID{}
	for _, s := range p.Live.Content.SKUs {
		skus[s.Code] = s.ID
	}
	for _, prices := range []map[string]int64{
		{"black": 1000, "red": 1300}, // drops white; red's price changes
		{"black": 1000},              // drops red
	} {
		must(f.svc.UpdateProduct(ctx, f.supplierA, p.ID, f.content("Buds", "R", prices), time.Time{}))(t)
		must(f.svc.SubmitProduct(ctx, f.supplierA, p.ID))(t)
		must(f.svc.ApproveProduct(ctx, f.reviewer, p.ID, time.Time{}))(t)
	}
	infos, missing := must2(f.svc.BatchGetSkus(ctx, f.service, []string{skus["R-white"].String(), skus["R-red"].String(), skus["R-black"].String()}, ""))(t)
	if len(infos) != 3 || len(missing) != 0 {
		t.Fatalf("%d infos, missing %v; want all three", len(infos), missing)
	}
	want := map[string]struct {
		price  int64
		onSale bool
	}{"R-white": {1100, false}, "R-red": {1300, false}, "R-black": {1000, true}}
	for _, in := range infos {
		w := want[in.Code]
		if in.OnSale != w.onSale || in.RetailPrice != eur(w.price) || in.ID != skus[in.Code] {
			t.Errorf("%s: on sale %v at %v; want %v at %d", in.Code, in.OnSale, in.RetailPrice, w.onSale, w.price)
		}
	}
}

// A retired SKU is described by the latest approved revision that had it,
// not by a later revision rejected with a price never on sale.
func TestARetiredSKUIsNotDescribedByARejectedRevision(t *testing.T) {
	f := newFixture(t)
	p := f.listed(t, f.supplierA, "Buds", "R", map[string]int64{"black": 1000, "red": 1200})
	var red uuid.UUID
	for _, s := range p.Live.Content.SKUs {
		if s.Code == "R-red" {
			red = s.ID
		}
	}
	must(f.svc.UpdateProduct(ctx, f.supplierA, p.ID, f.content("Buds", "R", map[string]int64{"black": 1000, "red": 100}), time.Time{}))(t)
	must(f.svc.SubmitProduct(ctx, f.supplierA, p.ID))(t)
	must(f.svc.RejectProduct(ctx, f.reviewer, p.ID, "Red at one euro is a typo.", time.Time{}))(t)
	must(f.svc.UpdateProduct(ctx, f.supplierA, p.ID, f.content("Buds", "R", map[string]int64{"black": 1000}), time.Time{}))(t)
	must(f.svc.SubmitProduct(ctx, f.supplierA, p.ID))(t)
	must(f.svc.ApproveProduct(ctx, f.reviewer, p.ID, time.Time{}))(t)
	infos, _ := must2(f.svc.BatchGetSkus(ctx, f.service, []string{red.String()}, ""))(t)
	if len(infos) != 1 || infos[0].OnSale || infos[0].RetailPrice != eur(1200) {
		t.Fatalf("the retired red SKU: %+v; want not on sale, at its last approved price 12.00", infos)
	}
}

// must2 is must for calls returning two values and an error.
func must2[A, B any](a A, b B, err error) func(testing.TB) (A, B) {
	return func(t testing.TB) (A, B) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	}
}

// A SKU a draft dropped when it was edited in place was announced already
// (inventory knows it, a cart may hold it), yet no revision has it: it is
// answered as known and not on sale, not as an Internal error failing the
// whole batch with the SKUs beside it.
func TestASKUADraftDroppedIsKnownAndNotOnSale(t *testing.T) {
	f := newFixture(t)
	p := f.create(t, f.supplierA, "Buds", "X", map[string]int64{"black": 1000, "white": 1000})
	black, white := p.Pending.Content.SKUs[0], p.Pending.Content.SKUs[1] // in the fixture's colour order
	if _, err := f.svc.UpdateProduct(ctx, f.supplierA, p.ID, f.content("Buds", "X", map[string]int64{"black": 1000}), time.Time{}); err != nil {
		t.Fatal(err)
	}
	infos, missing, err := f.svc.BatchGetSkus(ctx, f.service, []string{black.ID.String(), white.ID.String()}, "")
	if err != nil || len(missing) != 0 || len(infos) != 2 {
		t.Fatalf("BatchGetSkus = %d infos, missing %v, %v; want both known", len(infos), missing, err)
	}
	for _, in := range infos {
		if in.ID == white.ID && (in.OnSale || in.Code != white.Code) {
			t.Errorf("the dropped SKU: %+v; want its code, not on sale", in.SKU)
		}
	}
}

// A reviewer's takedown holds: the owner cannot list the product again,
// nor bring it back on sale through the bin (a takedown reaches a binned
// product too); a reviewer approving a revision of it lifts the hold.
// Before, the owner relisted it at once.
func TestAReviewersTakedownHolds(t *testing.T) {
	f := newFixture(t)
	p := f.listed(t, f.supplierA, "Buds", "X", map[string]int64{"black": 1000})
	if _, err := f.svc.DelistProduct(ctx, f.reviewer, p.ID, ""); apperr.KindOf(err) != apperr.KindInvalid {
		t.Errorf("a takedown without a reason: %v, want InvalidArgument", err)
	}
	must(f.svc.DelistProduct(ctx, f.reviewer, p.ID, "counterfeit report"))(t)
	_, err := f.svc.ListProduct(ctx, f.supplierA, p.ID)
	wantReason(t, err, "DELISTED_BY_REVIEW")

	// Binned first, then taken down: restored, it is not on sale.
	q := f.listed(t, f.supplierA, "Cables", "C", map[string]int64{"black": 500})
	must(f.svc.DeleteProduct(ctx, f.supplierA, q.ID))(t)
	must(f.svc.DelistProduct(ctx, f.reviewer, q.ID, "unsafe charger"))(t)
	if got := must(f.svc.RestoreProduct(ctx, f.supplierA, q.ID))(t); got.Status != domain.StatusDelisted {
		t.Errorf("restored after a takedown: %s, want delisted", got.Status)
	}
	_, err = f.svc.ListProduct(ctx, f.supplierA, q.ID)
	wantReason(t, err, "DELISTED_BY_REVIEW")

	// A revision approved lifts the hold.
	must(f.svc.UpdateProduct(ctx, f.supplierA, p.ID, f.content("Buds", "X", map[string]int64{"black": 1100}), time.Time{}))(t)
	must(f.svc.SubmitProduct(ctx, f.supplierA, p.ID))(t)
	must(f.svc.ApproveProduct(ctx, f.reviewer, p.ID, time.Time{}))(t)
	if got := must(f.svc.ListProduct(ctx, f.supplierA, p.ID))(t); got.Status != domain.StatusListed {
		t.Errorf("after a reviewer approved a revision: %s, want listed", got.Status)
	}
}

// A revision waiting for review when a reviewer takes the product down is
// sent back with the takedown's reason: approving content submitted before
// the takedown (a reviewer working the queue, unaware of it) cannot lift
// the hold. Before, it did, and the owner listed the product again.
func TestATakedownSendsBackTheRevisionWaitingForReview(t *testing.T) {
	f := newFixture(t)
	p := f.listed(t, f.supplierA, "Buds", "X", map[string]int64{"black": 1000})
	must(f.svc.UpdateProduct(ctx, f.supplierA, p.ID, f.content("Buds", "X", map[string]int64{"black": 990}), time.Time{}))(t)
	must(f.svc.SubmitProduct(ctx, f.supplierA, p.ID))(t)
	down := must(f.svc.DelistProduct(ctx, f.reviewer, p.ID, "counterfeit report"))(t)
	if down.Pending == nil || down.Pending.Status != domain.RevisionChangesRequested || down.Pending.ReviewReason != "counterfeit report" ||
		down.Status != domain.StatusDelisted || down.ReviewHold == "" {
		t.Fatalf("after the takedown: %s, pending %+v, hold %q; want delisted, the revision sent back with the reason", down.Status, down.Pending, down.ReviewHold)
	}
	_, err := f.svc.ApproveProduct(ctx, f.reviewer, p.ID, time.Time{})
	wantReason(t, err, "NOT_SUBMITTED")
	_, err = f.svc.ListProduct(ctx, f.supplierA, p.ID)
	wantReason(t, err, "DELISTED_BY_REVIEW")

	// Submitted again after the takedown, approved: the hold lifts.
	must(f.svc.SubmitProduct(ctx, f.supplierA, p.ID))(t)
	must(f.svc.ApproveProduct(ctx, f.reviewer, p.ID, time.Time{}))(t)
	if got := must(f.svc.ListProduct(ctx, f.supplierA, p.ID))(t); got.Status != domain.StatusListed {
		t.Errorf("after approving a revision submitted since the takedown: %s, want listed", got.Status)
	}
}

// A product never approved is translated and checked from its pending
// revision: sent back and described otherwise, the translation becomes
// incomplete and the check goes, so its first approval does not put on
// sale a translation, or a check, of other content. Before, only an
// approval replacing a live revision outdated them. An edit of prices
// alone keeps both.
func TestAnEditBeforeTheFirstApprovalOutdatesTranslationsAndTheCheck(t *testing.T) {
	f := newFixture(t)
	p := f.create(t, f.supplierA, "Buds, 40 h battery", "X", map[string]int64{"black": 1000})
	must(f.svc.SubmitProduct(ctx, f.supplierA, p.ID))(t)
	must(f.svc.UpsertTranslation(ctx, f.translator, p.ID, domain.TranslationInput{
		Locale: "de", Title: "Ohrhörer, 40 Std. Akku", Description: "Echtes Leder",
		AttributeLabels: map[string]string{"colour": "Farbe", "material": "Material"},
	}))(t)
	must(f.svc.RecordQualityCheck(ctx, f.reviewer, p.ID, true, "battery verified"))(t)
	must(f.svc.RequestChanges(ctx, f.reviewer, p.ID, "Say which case comes with it.", time.Time{}))(t)
	if got := must(f.svc.UpdateProduct(ctx, f.supplierA, p.ID, f.content("Buds, 40 h battery", "X", map[string]int64{"black": 900}), time.Time{}))(t); got.QualityCheck == nil || !got.Translations[0].Complete {
		t.Fatalf("after a price edit: quality check %v, translation complete %v; want both kept", got.QualityCheck, got.Translations[0].Complete)
	}
	got := must(f.svc.UpdateProduct(ctx, f.supplierA, p.ID, f.content("Buds, 20 h battery", "X", map[string]int64{"black": 900}), time.Time{}))(t)
	if got.QualityCheck != nil || got.Translations[0].Complete {
		t.Fatalf("after new text: quality check %v, translation complete %v; want neither", got.QualityCheck, got.Translations[0].Complete)
	}
	must(f.svc.SubmitProduct(ctx, f.supplierA, p.ID))(t)
	must(f.svc.ApproveProduct(ctx, f.reviewer, p.ID, time.Time{}))(t)
	must(f.svc.ListProduct(ctx, f.supplierA, p.ID))(t)
	if l := must(f.svc.GetListing(ctx, p.ID, "de"))(t); l.Text.Title != "Buds, 20 h battery" {
		t.Errorf("a German buyer reads %q, want the approved content", l.Text.Title)
	}
	if got := must(f.svc.GetProduct(ctx, f.supplierA, p.ID))(t); got.QualityCheck != nil || got.Translations[0].Complete {
		t.Errorf("read back: quality check %v, translation complete %v; want neither", got.QualityCheck, got.Translations[0].Complete)
	}
}

// wantReason fails unless err is a FailedPrecondition with reason.
func wantReason(t testing.TB, err error, reason string) {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || e.Kind != apperr.KindFailedPrecondition || e.Reason != reason {
		t.Fatalf("error = %v, want FailedPrecondition %s", err, reason)
	}
}

// A revision that describes the goods otherwise (new title, description,
// attributes or images) leaves the translations incomplete, so buyers in
// another language are served the new content rather than a translation of
// the old, and drops the quality check, which passed other goods. A
// revision changing only prices keeps both.
func TestNewContentOutdatesTranslationsAndTheQualityCheck(t *testing.T) {
	f := newFixture(t)
	p := f.listed(t, f.supplierA, "Leather buds", "X", map[string]int64{"black": 1000})
	must(f.svc.UpsertTranslation(ctx, f.translator, p.ID, domain.TranslationInput{
		Locale: "de", Title: "Leder-Ohrhörer", Description: "Echtes Leder",
		AttributeLabels: map[string]string{"colour": "Farbe", "material": "Material"},
	}))(t)
	must(f.svc.RecordQualityCheck(ctx, f.reviewer, p.ID, true, "leather verified"))(t)
	revise := func(title string, price int64) domain.Product {
		t.Helper()
		must(f.svc.UpdateProduct(ctx, f.supplierA, p.ID, f.content(title, "X", map[string]int64{"black": price}), time.Time{}))(t)
		must(f.svc.SubmitProduct(ctx, f.supplierA, p.ID))(t)
		return must(f.svc.ApproveProduct(ctx, f.reviewer, p.ID, time.Time{}))(t)
	}
	if got := revise("Leather buds", 1200); got.QualityCheck == nil || !got.Translations[0].Complete {
		t.Fatalf("after a price change: quality check %v, translation complete %v; want both kept", got.QualityCheck, got.Translations[0].Complete)
	}
	got := revise("Plastic buds", 1200)
	if got.QualityCheck != nil || got.Translations[0].Complete {
		t.Errorf("after new content: quality check %v, translation complete %v; want neither", got.QualityCheck, got.Translations[0].Complete)
	}
	if l := must(f.svc.GetListing(ctx, p.ID, "de"))(t); l.Text.Title != "Plastic buds" {
		t.Errorf("a German buyer reads %q, want the new content", l.Text.Title)
	}
}
