package app_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
	"github.com/crossdock/crossdock/simulators/supplysim"
)

// A product whose content the catalogue refuses holds back none of the
// platform's others: it is recorded with the refusal for operators and
// offered again each round until the catalogue takes it. A catalogue that
// fails for now still stops the import, which the next round resumes.
// A product one of whose SKU codes (not its first) is another catalogue
// product's (the platform moved the SKU between products, or its holder is
// in the bin) is refused like content the catalogue refuses: before, the
// catalogue's AlreadyExists, with no product found by the first code,
// failed the import at it every round, and no product after it imported.
func TestSupplyProductWhoseCodeIsAnothersHoldsNothingBack(t *testing.T) {
	f := newSupplyFixture(t, supplysim.Faults{})
	f.catalog.mu.Lock()
	f.catalog.codes["X-1"] = uuid.New() // a SKU of a product in the bin
	f.catalog.mu.Unlock()
	f.seed(t, "P1", "10.00", 5, "A-1", "X-1")
	f.seed(t, "P2", "20.00", 5, "P2-A")
	for range 2 {
		if err := f.round(t); err != nil {
			t.Fatalf("a round: %v", err)
		}
	}
	if p := f.catalog.product("P2-A"); p.status != "submitted" {
		t.Fatalf("P2, after the product with another's code: %+v, want submitted", p)
	}
	if p1 := f.supplyProduct(t, "P1"); p1.State != app.SupplySkipped || !strings.Contains(p1.Problem, "X-1") || p1.Deferred == nil {
		t.Errorf("P1: %+v, want skipped with the clash as its problem", p1)
	}
}

// A new supply product whose first SKU code is a product imported before
// (the platform moved the code to a new product) or one the supplier made
// by hand is refused, and that product is left as it was: before, the
// import took the product holding the code for an earlier attempt of its
// own and overwrote it with the new product's content.
func TestSupplyProductWhoseFirstCodeIsAnothersOverwritesNothing(t *testing.T) {
	f := newSupplyFixture(t, supplysim.Faults{})
	f.seed(t, "P1", "10.00", 5, "A-1")
	f.rounds(t, 1)
	before := f.catalog.product("A-1")
	if before.status != "submitted" || before.content.Title != "Product P1" {
		t.Fatalf("P1 imported: %+v", before)
	}
	f.catalog.mu.Lock()
	handMade := &doubleProduct{skus: map[string]uuid.UUID{"H-1": uuid.New()}, content: domain.ImportedProduct{Title: "Made by hand"}, status: "draft"}
	f.catalog.codes["H-1"] = handMade.skus["H-1"]
	f.catalog.products[uuid.New()] = handMade
	f.catalog.mu.Unlock()
	f.seed(t, "P1", "10.00", 5, "A-2") // the platform moves A-1 to P2
	f.seed(t, "P2", "20.00", 5, "A-1", "B-1")
	f.seed(t, "P3", "30.00", 5, "H-1", "C-1")
	f.seed(t, "P4", "40.00", 5, "D-1")
	f.rounds(t, 1)
	if p := f.catalog.product("A-1"); p.content.Title != "Product P1" || p.revision != before.revision {
		t.Errorf("P1's catalogue product after P2's import: %q, revision %d; want P1's content untouched", p.content.Title, p.revision)
	}
	if p := f.catalog.product("H-1"); p.content.Title != "Made by hand" {
		t.Errorf("the supplier's own product after P3's import: %q", p.content.Title)
	}
	for _, id := range []string{"P2", "P3"} {
		if rec := f.supplyProduct(t, id); rec.State != app.SupplySkipped || rec.ProductID != uuid.Nil || rec.Problem == "" {
			t.Errorf("%s: %+v, want skipped with its clash as the problem", id, rec)
		}
	}
	if p := f.catalog.product("D-1"); p.status != "submitted" {
		t.Errorf("P4, after the clashing products: %+v, want submitted", p)
	}
}

// A product an earlier attempt created in the catalogue, stopping before
// it recorded it, is found by its code and taken up, not refused.
func TestSupplyProductCreatedButNotRecordedIsTakenUp(t *testing.T) {
	f := newSupplyFixture(t, supplysim.Faults{})
	f.seed(t, "P1", "10.00", 5, "A-1", "A-2")
	f.rounds(t, 1)
	created := f.supplyProduct(t, "P1").ProductID
	if created == uuid.Nil {
		t.Fatal("P1 not imported")
	}
	if _, err := f.pool.Exec(context.Background(), `DELETE FROM supply_products WHERE platform_product_id = 'P1'`); err != nil {
		t.Fatal(err)
	}
	f.seed(t, "P1", "11.00", 5, "A-1", "A-2")
	f.rounds(t, 1)
	if rec := f.supplyProduct(t, "P1"); rec.ProductID != created || rec.State == app.SupplySkipped {
		t.Errorf("P1 imported again: %+v, want the product created before (%s)", rec, created)
	}
	if n := f.catalog.count("create"); n != 2 || len(f.catalog.products) != 1 {
		t.Errorf("%d creates, %d products; want the second refused as existing and one product", n, len(f.catalog.products))
	}
}

func TestSupplyProductRefusedByTheCatalogueHoldsNothingBack(t *testing.T) {
	ctx := context.Background()
	f := newSupplyFixture(t, supplysim.Faults{})
	f.seed(t, "P1", "10.00", 5, "P1-A")
	f.seed(t, "P2", "20.00", 5, "P2-A")
	f.seed(t, "P3", "30.00", 5, "P3-A")
	f.seed(t, "P4", "40.00", 5, "P4-A")
	f.catalog.refuse("create", "P2-A", apperr.InvalidField("content.title", "must name the product's brand"))
	f.catalog.refuse("submit", "P3-A", apperr.InvalidField("content.images", "must hold at least one image"))
	f.rounds(t, 1)
	if p := f.catalog.product("P4-A"); p.status != "submitted" {
		t.Fatalf("P4, after two refused products: %+v, want submitted", p)
	}
	p2, p3 := f.supplyProduct(t, "P2"), f.supplyProduct(t, "P3")
	if p2.State != app.SupplySkipped || !strings.Contains(p2.Problem, "catalogue refused") || p2.Deferred == nil {
		t.Errorf("P2, refused at creation: %+v", p2)
	}
	if p3.ProductID == uuid.Nil || p3.Problem == "" || p3.Deferred == nil {
		t.Errorf("P3, created and refused at submission: %+v", p3)
	}
	if got := testkit.FailingSteps(t, f.store.FailingSupplyJobs); len(got) != 0 {
		t.Errorf("failing supply jobs with two refused products: %+v, want none", got)
	}
	if got := testkit.FailingSteps(t, f.store.RefusedSupplyProducts); got["refused"].Count != 2 {
		t.Errorf("refused products = %+v, want 2", got)
	}
	if _, err := f.pool.Exec(ctx, `UPDATE supply_products SET deferred_since = deferred_since - make_interval(hours => 25) WHERE deferred IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	if got := testkit.FailingSteps(t, f.store.OverdueSupplyReviews); len(got) != 0 {
		t.Errorf("refused products counted as waiting for a review: %+v", got)
	}
	_, act, err := f.supply.GetSupplyPlatform(ctx, admin, f.platform.ID)
	if err != nil || act.ProductsRefused != 2 || act.ProductsWaitingForReview != 0 || act.LastError != "" {
		t.Errorf("activity with two refused products: %+v, %v", act, err)
	}
	// Operators list them with their refusals, a page at a time.
	var problems []string
	for page := ""; ; {
		recs, next, err := f.supply.ListSupplyProducts(ctx, admin, app.SupplyProductFilter{PlatformID: f.platform.ID, WithProblem: true, Page: page, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			problems = append(problems, r.PlatformProductID+": "+r.Problem)
		}
		if page = next; page == "" {
			break
		}
	}
	slices.Sort(problems)
	if len(problems) != 2 || !strings.Contains(problems[0], "P2: the catalogue refused it") || !strings.Contains(problems[0], "content.title") ||
		!strings.Contains(problems[1], "P3: the catalogue refused it") {
		t.Errorf("products with a problem: %q", problems)
	}
	if all, _, err := f.supply.ListSupplyProducts(ctx, admin, app.SupplyProductFilter{PlatformID: f.platform.ID, Limit: 10}); err != nil || len(all) != 4 {
		t.Errorf("all products: %d, %v; want 4", len(all), err)
	}

	// Each round offers them again; once the catalogue takes them they are
	// submitted and their problem goes.
	creates := f.catalog.count("create")
	f.rounds(t, 1)
	if got := f.catalog.count("create"); got != creates+1 {
		t.Errorf("%d creates in a round, want 1 (P2 offered again)", got-creates)
	}
	f.catalog.refuse("create", "P2-A", nil)
	f.catalog.refuse("submit", "P3-A", nil)
	f.rounds(t, 1)
	for _, code := range []string{"P2", "P3"} {
		rec := f.supplyProduct(t, code)
		if rec.State != app.SupplySubmitted || rec.Problem != "" || rec.Deferred != nil {
			t.Errorf("%s once the catalogue takes it: %+v", code, rec)
		}
		if p := f.catalog.product(code + "-A"); p.status != "submitted" || p.submits != 1 {
			t.Errorf("%s in the catalogue: %+v, want submitted once", code, p)
		}
	}
	if got := f.catalog.count("create"); got != 4+2 {
		t.Errorf("%d creates in all, want 6 (four products, P2 refused twice)", got)
	}
	if got := testkit.FailingSteps(t, f.store.RefusedSupplyProducts); len(got) != 0 {
		t.Errorf("refused products once taken: %+v", got)
	}

	// The catalogue unavailable is no refusal of the product: the import
	// stops there and the next round resumes from it.
	f.seed(t, "P5", "50.00", 5, "P5-A")
	f.seed(t, "P6", "60.00", 5, "P6-A")
	f.catalog.refuse("create", "P5-A", apperr.Unavailable("catalog is restarting"))
	_ = f.round(t) // the failure is recorded for operators
	if p := f.catalog.product("P6-A"); p.status != "" {
		t.Errorf("P6 imported past a product the catalogue could not take for now: %+v", p)
	}
	if got := testkit.FailingSteps(t, f.store.FailingSupplyJobs); got[app.JobSupplyImport].Count != 1 {
		t.Errorf("failing supply jobs with the catalogue unavailable = %+v, want the import", got)
	}
	f.catalog.refuse("create", "P5-A", nil)
	f.rounds(t, 1)
	for _, code := range []string{"P5", "P6"} {
		if rec := f.supplyProduct(t, code); rec.State != app.SupplySubmitted || rec.Problem != "" {
			t.Errorf("%s once the catalogue is back: %+v", code, rec)
		}
	}
}
