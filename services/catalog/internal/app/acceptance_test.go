package app_test

import (
	"slices"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/catalog/internal/app"
	"github.com/crossdock/crossdock/services/catalog/internal/domain"
)

// The acceptance path at the use-case level: create → submit →
// changes requested → edit → approve → translate → list → found by text
// and by category in the locale → edit while listed → the old revision is
// served until the edit is approved.
func TestAcceptancePath(t *testing.T) {
	f := newFixture(t)
	sup := f.supplierA

	p := f.create(t, sup, "Studio Headphones", "STU", map[string]int64{"black": 19999, "white": 20999})
	if p.Status != domain.StatusDraft || len(p.Pending.Content.SKUs) != 2 {
		t.Fatalf("created = %+v", p)
	}
	skuIDs := []string{p.Pending.Content.SKUs[0].ID.String(), p.Pending.Content.SKUs[1].ID.String()}

	p = must(f.svc.SubmitProduct(ctx, sup, p.ID))(t)
	queue := must(f.svc.ListReviewQueue(ctx, f.reviewer, 0, ""))(t)
	if len(queue.Products) != 1 || queue.Products[0].ID != p.ID {
		t.Fatalf("review queue = %v", queue.Products)
	}
	p = must(f.svc.RequestChanges(ctx, f.reviewer, p.ID, "Please add the cable length", time.Time{}))(t)
	if p.Status != domain.StatusChangesRequested || p.Pending.ReviewReason != "Please add the cable length" {
		t.Fatalf("after change request = %s %q", p.Status, p.Pending.ReviewReason)
	}
	if q := must(f.svc.ListReviewQueue(ctx, f.reviewer, 0, ""))(t); len(q.Products) != 0 {
		t.Errorf("review queue after the change request = %d products", len(q.Products))
	}

	edited := f.content("Studio Headphones", "STU", map[string]int64{"black": 19999, "white": 20999})
	edited.Description = "Closed-back studio headphones, 3 m cable"
	p = must(f.svc.UpdateProduct(ctx, sup, p.ID, edited, time.Time{}))(t)
	p = must(f.svc.SubmitProduct(ctx, sup, p.ID))(t)
	p = must(f.svc.ApproveProduct(ctx, f.reviewer, p.ID, time.Time{}))(t)
	if p.Status != domain.StatusApproved || p.Live == nil || p.Pending != nil || p.Live.Number != 1 {
		t.Fatalf("after approval = %s live %v pending %v", p.Status, p.Live, p.Pending)
	}
	for i, sku := range p.Live.Content.SKUs {
		if sku.ID.String() != skuIDs[i] {
			t.Errorf("SKU %d changed id across edits", i)
		}
	}

	tr := must(f.svc.UpsertTranslation(ctx, f.translator, p.ID, domain.TranslationInput{
		Locale: "de", Title: "Studiokopfhörer", Description: "Geschlossene Studiokopfhörer, 3 m Kabel",
		AttributeLabels: map[string]string{"colour": "Farbe", "material": "Material"},
	}))(t)
	if !tr.Complete {
		t.Fatalf("translation incomplete: %+v", tr)
	}
	// Not on sale yet: nobody finds it.
	if got := f.search(t, app.SearchInput{Query: "studio"}); len(got) != 0 {
		t.Fatalf("found before listing: %v", got)
	}
	p = must(f.svc.ListProduct(ctx, sup, p.ID))(t)

	// Found by text and by category (an ancestor of its own) in German.
	de := app.SearchInput{Locale: "de-DE", Query: "studiokopf", CategoryID: f.electronics.ID.String()}
	if got := f.search(t, de); !slices.Equal(got, []string{"Studiokopfhörer"}) {
		t.Fatalf("German search = %v", got)
	}
	if got := f.search(t, app.SearchInput{Locale: "de", CategoryID: f.audio.ID.String()}); !slices.Equal(got, []string{"Studiokopfhörer"}) {
		t.Fatalf("German category browse = %v", got)
	}
	if got := f.search(t, app.SearchInput{Locale: "fr", Query: "studio"}); !slices.Equal(got, []string{"Studio Headphones"}) {
		t.Fatalf("French falls back to English: %v", got)
	}
	if got := f.search(t, app.SearchInput{Query: "studio", CategoryID: f.books.ID.String()}); len(got) != 0 {
		t.Fatalf("found in another category: %v", got)
	}
	listing := must(f.svc.GetListing(ctx, p.ID, "de"))(t)
	if listing.Text.Title != "Studiokopfhörer" || listing.Attributes["Material"] != "aluminium" || len(listing.SKUs) != 2 {
		t.Fatalf("German listing = %+v", listing)
	}

	// The supplier edits the listed product: a new revision, in review,
	// while buyers keep seeing the live one.
	next := f.content("Studio Headphones Pro", "STU", map[string]int64{"black": 17999, "white": 20999, "red": 21999})
	p = must(f.svc.UpdateProduct(ctx, sup, p.ID, next, time.Time{}))(t)
	if p.Status != domain.StatusListed || p.Pending.Number != 2 || p.Live.Number != 1 {
		t.Fatalf("after editing the listed product: %s live %d pending %d", p.Status, p.Live.Number, p.Pending.Number)
	}
	p = must(f.svc.SubmitProduct(ctx, sup, p.ID))(t)
	for _, view := range []string{"listing", "search"} {
		var title string
		if view == "listing" {
			title = must(f.svc.GetListing(ctx, p.ID, "en"))(t).Text.Title
		} else if got := f.search(t, app.SearchInput{Query: "studio"}); len(got) == 1 {
			title = got[0]
		}
		if title != "Studio Headphones" {
			t.Errorf("%s during review shows %q, want the live revision", view, title)
		}
	}
	if got := f.search(t, app.SearchInput{Query: "pro"}); len(got) != 0 {
		t.Errorf("the pending revision is searchable: %v", got)
	}

	p = must(f.svc.ApproveProduct(ctx, f.reviewer, p.ID, time.Time{}))(t)
	listing = must(f.svc.GetListing(ctx, p.ID, ""))(t)
	if listing.Text.Title != "Studio Headphones Pro" || len(listing.SKUs) != 3 {
		t.Fatalf("after approving the edit: %q with %d SKUs", listing.Text.Title, len(listing.SKUs))
	}
	if listing.SKUs[0].ID.String() != skuIDs[0] || listing.SKUs[1].ID.String() != skuIDs[1] {
		t.Errorf("SKU ids changed across revisions")
	}
	if got := f.search(t, app.SearchInput{Query: "pro"}); !slices.Equal(got, []string{"Studio Headphones Pro"}) {
		t.Errorf("search after approval = %v", got)
	}

	// Every step is in the history, with actor and revision, read a page
	// of four at a time.
	var history []domain.Transition
	for token := ""; ; {
		page := must(f.svc.GetProductHistory(ctx, sup, p.ID, 4, token))(t)
		if len(page.Transitions) > 4 {
			t.Fatalf("a page of %d transitions, asked for 4", len(page.Transitions))
		}
		history = append(history, page.Transitions...)
		if token = page.NextPageToken; token == "" {
			break
		}
	}
	if _, err := f.svc.GetProductHistory(ctx, sup, p.ID, 4, "garbage"); !apperr.IsKind(err, apperr.KindInvalid) {
		t.Errorf("a forged page token: %v, want InvalidArgument", err)
	}
	var actions []string
	for _, h := range history {
		actions = append(actions, h.Action)
		if h.Actor == "" || h.At.IsZero() {
			t.Errorf("history entry without actor or time: %+v", h)
		}
	}
	want := []string{"created", "submitted", "changes_requested", "submitted", "approved", "translated", "listed",
		"revision_created", "submitted", "revision_approved"}
	if !slices.Equal(actions, want) {
		t.Errorf("history = %v\nwant      %v", actions, want)
	}
	if history[2].Reason != "Please add the cable length" || history[2].Actor != f.reviewer.Subject || history[9].Revision != 2 {
		t.Errorf("history details = %+v / %+v", history[2], history[9])
	}
}
