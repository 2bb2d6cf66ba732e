package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/simulators/supplysim"
)

// A submission whose answer was lost (or whose record a crash lost) is
// found under review with exactly the content docking would submit: the
// next round records it as submitted without editing or submitting it
// again, and the products after it import in that same round.
func TestSupplySubmissionWithItsAnswerLostIsRecordedOnce(t *testing.T) {
	for _, c := range []struct {
		name string
		// before brings P1 to the catalogue before the lost submission, or
		// leaves it new.
		before func(t *testing.T, f *supplyFixture)
		// submits, revisions and price are P1's in the catalogue at the end.
		submits, revisions int
		price              int64
	}{
		{name: "a new product", before: func(*testing.T, *supplyFixture) {}, submits: 1, revisions: 1, price: 1000},
		{name: "a changed product", before: func(t *testing.T, f *supplyFixture) {
			f.rounds(t, 1)
			f.catalog.approve()
			f.rounds(t, 1)
			f.seed(t, "P1", "11.00", 5, "P1-A")
		}, submits: 2, revisions: 2, price: 1100},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newSupplyFixture(t, supplysim.Faults{})
			f.seed(t, "P1", "10.00", 5, "P1-A")
			c.before(t, f)
			f.seed(t, "P2", "20.00", 5, "P2-A")
			f.catalog.loseNextSubmits(1)
			_ = f.round(t) // the import stops at the lost answer
			f.seed(t, "P3", "30.00", 5, "P3-A")
			if err := f.round(t); err != nil {
				t.Fatalf("the round after the lost answer: %v", err)
			}

			p1 := f.catalog.product("P1-A")
			if p1.submits != c.submits || p1.revision != c.revisions || p1.pending != "submitted" {
				t.Errorf("P1 submitted %d times in %d revisions (pending %q); want %d in %d, waiting for review",
					p1.submits, p1.revision, p1.pending, c.submits, c.revisions)
			}
			for _, code := range []string{"P2-A", "P3-A"} {
				if p := f.catalog.product(code); p.submits != 1 || p.pending != "submitted" {
					t.Errorf("%s after the lost answer: %+v, want submitted once", code, p)
				}
			}
			rec := f.supplyProduct(t, "P1")
			if rec.State == app.SupplySkipped || rec.ProductID == uuid.Nil || rec.Fingerprint == "" {
				t.Errorf("P1 recorded as %+v, want recorded with its catalogue product and content", rec)
			}

			f.catalog.approve()
			f.rounds(t, 2)
			if p := f.catalog.product("P1-A"); p.submits != c.submits || p.status != "listed" || p.content.SKUs[0].Price.Amount != c.price {
				t.Errorf("P1 after its approval: %+v, want listed, never submitted again", p)
			}
		})
	}
}

// A product the platform changes while its previous revision waits for
// review blocks nothing: the products after it import in the same round,
// and its newest content reaches the catalogue once the review ends,
// submitted once, whatever the review decided.
func TestSupplyProductChangedUnderReviewWaitsForTheReview(t *testing.T) {
	for _, verdict := range []string{"approved", "rejected"} {
		t.Run(verdict, func(t *testing.T) {
			f := newSupplyFixture(t, supplysim.Faults{})
			f.seed(t, "P1", "10.00", 5, "P1-A")
			f.seed(t, "P2", "20.00", 5, "P2-A")
			f.rounds(t, 1)

			f.seed(t, "P1", "11.00", 5, "P1-A")
			f.seed(t, "P3", "30.00", 5, "P3-A")
			if err := f.round(t); err != nil {
				t.Fatalf("a product under review failed the round: %v", err)
			}
			if p := f.catalog.product("P3-A"); p.submits != 1 {
				t.Fatalf("P3, after a product under review: %+v, want created and submitted", p)
			}
			f.seed(t, "P1", "12.00", 5, "P1-A") // changed again while waiting
			f.seed(t, "P4", "40.00", 5, "P4-A")
			for range 2 {
				if err := f.round(t); err != nil {
					t.Fatalf("while P1 waits for its review: %v", err)
				}
			}
			if p := f.catalog.product("P4-A"); p.submits != 1 {
				t.Errorf("P4, after a product under review: %+v, want created and submitted", p)
			}
			if p := f.catalog.product("P1-A"); p.submits != 1 || p.content.SKUs[0].Price.Amount != 1000 {
				t.Fatalf("P1 under review: %+v, want its first revision untouched", p)
			}

			if verdict == "approved" {
				f.catalog.approve()
			} else {
				f.catalog.reject()
			}
			f.rounds(t, 3)
			p1 := f.catalog.product("P1-A")
			if p1.submits != 2 || p1.revision != 2 || p1.pending != "submitted" || p1.content.SKUs[0].Price.Amount != 1200 {
				t.Errorf("P1 after the review: %+v, want its newest price submitted once in a second revision", p1)
			}
			f.catalog.approve()
			f.rounds(t, 2)
			if p := f.catalog.product("P1-A"); p.submits != 2 || p.status != "listed" {
				t.Errorf("P1 once its newest content was approved: %+v, want listed, submitted twice in all", p)
			}
		})
	}
}

// A change the platform takes back while the product waits for review
// leaves nothing waiting: the revision under review already holds the
// platform's content, and it is not submitted again once reviewed.
func TestSupplyChangeTakenBackUnderReviewIsDropped(t *testing.T) {
	f := newSupplyFixture(t, supplysim.Faults{})
	f.seed(t, "P1", "10.00", 5, "P1-A")
	f.rounds(t, 1)
	f.seed(t, "P1", "11.00", 5, "P1-A")
	f.rounds(t, 1)
	f.seed(t, "P1", "10.00", 5, "P1-A")
	f.rounds(t, 1)
	if rec := f.supplyProduct(t, "P1"); rec.Deferred != nil {
		t.Errorf("P1 back to the content under review: %+v, want nothing deferred", rec)
	}
	f.catalog.approve()
	f.rounds(t, 2)
	if p := f.catalog.product("P1-A"); p.submits != 1 || p.status != "listed" || p.content.SKUs[0].Price.Amount != 1000 {
		t.Errorf("P1 after its review: %+v, want listed at 10.00, submitted once", p)
	}
}

// Operators are told of a product's changes waiting for a review only
// once they have waited longer than app.ReviewOverdueAfter (since they
// first waited, however often the platform changed the product meanwhile),
// and of an import failing from its first failure until it succeeds.
func TestSupplyWaitsAndFailuresReportedToOperators(t *testing.T) {
	ctx := context.Background()
	f := newSupplyFixture(t, supplysim.Faults{})
	f.seed(t, "P1", "10.00", 5, "P1-A")
	f.rounds(t, 1)
	f.seed(t, "P1", "11.00", 5, "P1-A")
	f.rounds(t, 1)
	first := f.supplyProduct(t, "P1")
	if first.Deferred == nil || first.Deferred.SKUs[0].Price.Amount != 1100 || first.DeferredSince == nil {
		t.Fatalf("P1 changed under review: %+v, want its new content deferred", first)
	}
	f.seed(t, "P1", "12.00", 5, "P1-A")
	f.rounds(t, 1)
	again := f.supplyProduct(t, "P1")
	if again.Deferred == nil || again.Deferred.SKUs[0].Price.Amount != 1200 || again.DeferredSince == nil || !again.DeferredSince.Equal(*first.DeferredSince) {
		t.Fatalf("P1 changed again under review: %+v, want its newest content deferred since it first waited (%v)", again, first.DeferredSince)
	}
	if got := testkit.FailingSteps(t, f.store.FailingSupplyJobs); len(got) != 0 {
		t.Errorf("failing supply jobs while a product waits for review: %+v", got)
	}
	if got := testkit.FailingSteps(t, f.store.OverdueSupplyReviews); len(got) != 0 {
		t.Errorf("overdue reviews after minutes: %+v", got)
	}
	if _, err := f.pool.Exec(ctx, `UPDATE supply_products SET deferred_since = deferred_since - make_interval(hours => 25) WHERE deferred IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	if got := testkit.FailingSteps(t, f.store.OverdueSupplyReviews); got["overdue"].Count != 1 || got["overdue"].Longest < 25*time.Hour {
		t.Errorf("overdue reviews after 25 hours = %+v, want P1", got)
	}
	f.catalog.approve()
	f.rounds(t, 1)
	if rec := f.supplyProduct(t, "P1"); rec.Deferred != nil || rec.DeferredSince != nil {
		t.Errorf("P1 after its review: %+v, want its newest content submitted, nothing deferred", rec)
	}
	if got := testkit.FailingSteps(t, f.store.OverdueSupplyReviews); len(got) != 0 {
		t.Errorf("overdue reviews once submitted: %+v", got)
	}

	f.sim.SetAccountKey("acc-default", "revoked")
	for range 2 {
		_ = f.round(t)
	}
	got := testkit.FailingSteps(t, f.store.FailingSupplyJobs)
	if got[app.JobSupplyImport].Count != 1 || got[app.JobSupplyStock].Count != 1 || len(got) != 2 {
		t.Errorf("failing supply jobs with the platform refusing our key = %+v, want the import and the stock sync", got)
	}
	f.sim.SetAccountKey("acc-default", "key-default")
	f.rounds(t, 1)
	if got := testkit.FailingSteps(t, f.store.FailingSupplyJobs); len(got) != 0 {
		t.Errorf("failing supply jobs once the key works again: %+v", got)
	}
}

// supplyProduct returns docking's record of a platform product.
func (f *supplyFixture) supplyProduct(t *testing.T, id string) app.SupplyProductRecord {
	t.Helper()
	recs, err := f.store.SupplyProducts(context.Background(), f.platform.ID, []string{id})
	if err != nil {
		t.Fatal(err)
	}
	rec, ok := recs[id]
	if !ok {
		t.Fatalf("no record of platform product %s", id)
	}
	return rec
}
