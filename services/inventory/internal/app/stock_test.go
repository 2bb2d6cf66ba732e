package app_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/inventory/internal/app"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

func TestJournalRecordsEveryMovementNewestFirst(t *testing.T) {
	f := newFixture(t, 4)
	sup := supplier()
	sku := f.sku(t, sup, "A")
	w1, w2 := f.warehouse(t, sup), f.warehouse(t, sup)
	f.stock(t, sup, w1, sku, 5)
	f.stock(t, sup, w2, sku, 2)
	if _, err := f.svc.Reserve(ctx, orders, app.ReserveInput{OrderID: "o", Lines: []domain.OrderLine{line(sku, 6)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Commit(ctx, orders, "o", time.Time{}); err != nil {
		t.Fatal(err)
	}
	// 2 adjustments, 2 reservation lines (5 + 1), 2 commit lines.
	var all []domain.Movement
	token := ""
	for {
		page, err := f.svc.ListJournal(ctx, sup, sku, uuid.Nil, app.Page{Size: 4, Token: token})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Entries...)
		if token = page.NextPageToken; token == "" {
			break
		}
	}
	if len(all) != 6 {
		t.Fatalf("entries = %d, want 6", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].ID >= all[i-1].ID {
			t.Fatalf("not newest first: %d after %d", all[i].ID, all[i-1].ID)
		}
	}
	newest := all[0]
	if newest.Kind != domain.MoveCommit || newest.Reference != "o" || newest.ActorID != orders.Subject || newest.At.IsZero() {
		t.Errorf("newest = %+v", newest)
	}
	oldest := all[5]
	if oldest.Kind != domain.MoveAdjustment || oldest.OnHandDelta != 5 || oldest.After.OnHand != 5 || oldest.Reason != "count" || oldest.ActorID != sup.Subject {
		t.Errorf("oldest = %+v", oldest)
	}
	// A page token is bound to the SKU and warehouse it listed: another
	// warehouse's list would start at its place and skip entries before it.
	first, err := f.svc.ListJournal(ctx, reviewer, sku, uuid.Nil, app.Page{Size: 2})
	if err != nil || first.NextPageToken == "" {
		t.Fatalf("first page: %+v, %v", first, err)
	}
	if _, err := f.svc.ListJournal(ctx, reviewer, sku, w2.ID, app.Page{Size: 2, Token: first.NextPageToken}); !apperr.IsKind(err, apperr.KindInvalid) {
		t.Errorf("another warehouse's list with this one's token: %v, want InvalidArgument", err)
	}
	only, err := f.svc.ListJournal(ctx, reviewer, sku, w2.ID, app.Page{})
	if err != nil || len(only.Entries) != 3 {
		t.Fatalf("w2 journal = %d entries, %v; want 3", len(only.Entries), err)
	}
	for _, m := range only.Entries {
		if m.After.WarehouseID != w2.ID {
			t.Errorf("entry of another warehouse: %+v", m)
		}
	}
	if only.Entries[0].After.OnHand != 1 || only.Entries[0].After.Reserved != 0 || only.Entries[0].OnHandDelta != -1 || only.Entries[0].ReservedDelta != -1 {
		t.Errorf("w2 commit = %+v", only.Entries[0])
	}
	f.mustHoldInvariants(t)
}

func TestListStockPagesBySKU(t *testing.T) {
	f := newFixture(t, 4)
	sup := supplier()
	w := f.warehouse(t, sup)
	for i := range 5 {
		f.stock(t, sup, w, f.sku(t, sup, string(rune('A'+i))), int64(i+1))
	}
	seen := map[uuid.UUID]bool{}
	token := ""
	pages := 0
	for {
		page, err := f.svc.ListStock(ctx, sup, w.ID, app.Page{Size: 2, Token: token})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, l := range page.Levels {
			seen[l.SKUID] = true
		}
		if token = page.NextPageToken; token == "" {
			break
		}
	}
	if len(seen) != 5 || pages != 3 {
		t.Errorf("saw %d levels in %d pages", len(seen), pages)
	}
}
