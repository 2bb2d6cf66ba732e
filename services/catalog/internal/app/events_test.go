package app_test

import (
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	"github.com/crossdock/crossdock/services/catalog/internal/app"
	"github.com/crossdock/crossdock/services/catalog/internal/domain"
)

// Every step writes the contract's events to the outbox in its own
// transaction; a new SKU code creates a SKU (SkuCreated with the code) and a
// changed price of a live SKU is announced when the edit is approved.
func TestEventsAreWrittenToTheOutbox(t *testing.T) {
	f := newFixture(t)
	sup := f.supplierA
	p := f.create(t, sup, "Buds", "BUDS", map[string]int64{"black": 1000, "white": 1100})
	must(f.svc.SubmitProduct(ctx, sup, p.ID))(t)
	must(f.svc.RejectProduct(ctx, f.reviewer, p.ID, "Photos are blurry", time.Time{}))(t)
	must(f.svc.UpdateProduct(ctx, sup, p.ID, f.content("Buds", "BUDS", map[string]int64{"black": 1000, "white": 1100}), time.Time{}))(t)
	must(f.svc.SubmitProduct(ctx, sup, p.ID))(t)
	must(f.svc.ApproveProduct(ctx, f.reviewer, p.ID, time.Time{}))(t)
	must(f.svc.UpsertTranslation(ctx, f.translator, p.ID, domain.TranslationInput{Locale: "fr", Title: "Écouteurs"}))(t) // incomplete: no event
	must(f.svc.UpsertTranslation(ctx, f.translator, p.ID, domain.TranslationInput{Locale: "de", Title: "Ohrhörer", Description: "Gut",
		AttributeLabels: map[string]string{"colour": "Farbe", "material": "Material"}}))(t)
	must(f.svc.ListProduct(ctx, sup, p.ID))(t)
	must(f.svc.RecordQualityCheck(ctx, f.reviewer, p.ID, true, "Sound checked"))(t) // partners requiring it may list it now
	// Edit while listed: black gets cheaper, white stays, red is new.
	must(f.svc.UpdateProduct(ctx, sup, p.ID, f.content("Buds", "BUDS", map[string]int64{"black": 900, "white": 1100, "red": 1200}), time.Time{}))(t)
	must(f.svc.SubmitProduct(ctx, sup, p.ID))(t)
	must(f.svc.RequestChanges(ctx, f.reviewer, p.ID, "Red needs a photo", time.Time{}))(t) // no event in the contract
	must(f.svc.SubmitProduct(ctx, sup, p.ID))(t)
	p = must(f.svc.ApproveProduct(ctx, f.reviewer, p.ID, time.Time{}))(t)
	must(f.svc.DelistProduct(ctx, sup, p.ID, ""))(t)
	must(f.svc.DeleteProduct(ctx, sup, p.ID))(t)
	must(f.svc.RestoreProduct(ctx, sup, p.ID))(t)

	want := []string{
		app.SubjectSkuCreated, app.SubjectSkuCreated,
		app.SubjectProductSubmitted, app.SubjectProductRejected,
		app.SubjectProductSubmitted, app.SubjectProductApproved,
		app.SubjectProductTranslated, app.SubjectProductListed, app.SubjectProductUpdated,
		app.SubjectSkuCreated, // red, when the edit is saved
		app.SubjectProductSubmitted, app.SubjectProductSubmitted,
		app.SubjectProductApproved, app.SubjectSkuPriceChanged, app.SubjectProductUpdated,
		app.SubjectProductDelisted, app.SubjectProductDeleted, app.SubjectProductRestored,
	}
	if got := f.events(t); !slices.Equal(got, want) {
		t.Fatalf("outbox = %v\nwant     %v", got, want)
	}

	// Payloads are the contract's messages.
	var created catalogv1.SkuCreated
	if err := proto.Unmarshal(f.payloads(t, app.SubjectSkuCreated)[2], &created); err != nil {
		t.Fatal(err)
	}
	red := p.Live.Content.SKUs[2]
	if created.GetSkuId() != red.ID.String() || created.GetSkuCode() != "BUDS-red" || created.GetRetailPrice().GetAmountMinor() != 1200 ||
		created.GetSupplierId() != sup.OrganizationID || created.GetProductId() != p.ID.String() {
		t.Errorf("SkuCreated = %v", &created)
	}
	var changed catalogv1.SkuPriceChanged
	if err := proto.Unmarshal(f.payloads(t, app.SubjectSkuPriceChanged)[0], &changed); err != nil {
		t.Fatal(err)
	}
	if changed.GetSkuId() != p.Live.Content.SKUs[0].ID.String() || changed.GetPreviousPrice().GetAmountMinor() != 1000 ||
		changed.GetPrice().GetAmountMinor() != 900 || changed.GetPrice().GetCurrencyCode() != "EUR" {
		t.Errorf("SkuPriceChanged = %v", &changed)
	}
	var rejected catalogv1.ProductRejected
	if err := proto.Unmarshal(f.payloads(t, app.SubjectProductRejected)[0], &rejected); err != nil {
		t.Fatal(err)
	}
	if rejected.GetReason() != "Photos are blurry" || rejected.GetReviewerId() != f.reviewer.Subject {
		t.Errorf("ProductRejected = %v", &rejected)
	}
	var deleted catalogv1.ProductDeleted
	if err := proto.Unmarshal(f.payloads(t, app.SubjectProductDeleted)[0], &deleted); err != nil {
		t.Fatal(err)
	}
	if len(deleted.GetSkuIds()) != 3 || deleted.GetDeletedBy() != sup.Subject {
		t.Errorf("ProductDeleted = %v", &deleted)
	}
	var translated catalogv1.ProductTranslated
	if err := proto.Unmarshal(f.payloads(t, app.SubjectProductTranslated)[0], &translated); err != nil {
		t.Fatal(err)
	}
	if translated.GetLocale() != "de" || translated.GetTranslatorId() != f.translator.Subject {
		t.Errorf("ProductTranslated = %v", &translated)
	}
}

// Two steps on a product in quick succession, the second on a replica whose
// clock is behind the first's: the second's event still comes after the
// first's in time, as consumers order them. Before, a restore stamped
// before the delete it followed was dropped by inventory as stale.
func TestAProductsEventsAreInOrderWhateverTheClocks(t *testing.T) {
	f := newFixture(t)
	sup := f.supplierA
	p := f.create(t, sup, "Lamp", "LAMP", map[string]int64{"white": 1000})
	must(f.svc.DeleteProduct(ctx, sup, p.ID))(t)
	f.clock.Advance(-time.Second) // the next call lands on a replica a second behind
	must(f.svc.RestoreProduct(ctx, sup, p.ID))(t)
	var deleted catalogv1.ProductDeleted
	if err := proto.Unmarshal(f.payloads(t, app.SubjectProductDeleted)[0], &deleted); err != nil {
		t.Fatal(err)
	}
	var restored catalogv1.ProductRestored
	if err := proto.Unmarshal(f.payloads(t, app.SubjectProductRestored)[0], &restored); err != nil {
		t.Fatal(err)
	}
	if d, r := deleted.GetOccurredAt().AsTime(), restored.GetOccurredAt().AsTime(); !r.After(d) {
		t.Errorf("restored at %v, not after the delete at %v", r, d)
	}
	// An edit on a replica behind too does not move the product's time
	// back: the next delete still comes after the restore.
	f.clock.Advance(-time.Second)
	must(f.svc.UpdateProduct(ctx, sup, p.ID, f.content("Lamp", "LAMP", map[string]int64{"white": 1100}), time.Time{}))(t)
	f.clock.Advance(-time.Second)
	must(f.svc.DeleteProduct(ctx, sup, p.ID))(t)
	var again catalogv1.ProductDeleted
	if err := proto.Unmarshal(f.payloads(t, app.SubjectProductDeleted)[1], &again); err != nil {
		t.Fatal(err)
	}
	if d, r := again.GetOccurredAt().AsTime(), restored.GetOccurredAt().AsTime(); !d.After(r) {
		t.Errorf("deleted again at %v, not after the restore at %v", d, r)
	}
}
