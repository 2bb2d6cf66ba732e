package app_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/paging"
	"github.com/crossdock/crossdock/services/logistics/internal/app"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
	"github.com/crossdock/crossdock/simulators/carriersim"
)

// A parcel's history comes a page at a time, oldest first, each event
// once: also events of two carriers at one instant with one sequence
// number (a consolidated parcel's first and onward carriers), which only
// their carrier and id tell apart. A page token serves its own parcel only.
func TestAShipmentsHistoryComesInPages(t *testing.T) {
	f := newFixture(t, carriersim.Config{TimeScale: 3e6, Tick: 5 * time.Millisecond, Seed: 5, UnservedCountries: []string{}}, 4)
	in := f.input(0, "air")
	sh := f.create(t, in)
	other := f.create(t, f.input(1, "air"))
	// The carrier's own events of the parcel all arrive first: the history
	// read whole and the pages then read the same events.
	f.waitQuiet(t, time.Minute)
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Microsecond)
	var recorded []app.RecordedEvent
	for i := range 7 {
		carrier := f.carrier.ID
		if i%2 == 1 {
			carrier = uuid.New() // the same instant and sequence at another carrier
		}
		recorded = append(recorded, app.RecordedEvent{CarrierID: carrier, ShipmentID: sh.ID, StoredEvent: app.StoredEvent{
			TrackingEvent: domain.TrackingEvent{CarrierEventID: fmt.Sprintf("ev-%d", i/2), OccurredAt: at.Add(time.Duration(i/4) * time.Minute),
				Seq: 1, Status: domain.StatusInTransit, Leg: domain.LegDomestic, LocationName: "Hub", Description: fmt.Sprintf("scan %d", i)},
			Applied: true, ReceivedAt: at,
		}})
	}
	if err := f.store.InTx(ctx, func(r app.Repository) error { return r.InsertTrackingEvents(ctx, recorded) }); err != nil {
		t.Fatal(err)
	}
	buyer := auth.Caller{Subject: in.BuyerID, Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}}
	whole, next, err := f.svc.ListShipmentEvents(ctx, buyer, sh.ID, 500, "")
	if err != nil || next != "" || len(whole) < len(recorded) {
		t.Fatalf("the whole history: %d events, next %q, %v; want at least the %d recorded", len(whole), next, err, len(recorded))
	}
	for size := 1; size <= 3; size++ {
		var paged []app.StoredEvent
		token := ""
		for pages := 1; ; pages++ {
			page, next, err := f.svc.ListShipmentEvents(ctx, buyer, sh.ID, size, token)
			if err != nil || len(page) > size || (next != "" && len(page) != size) {
				t.Fatalf("pages of %d, page %d: %d events, next %q, %v", size, pages, len(page), next, err)
			}
			paged = append(paged, page...)
			if next == "" {
				break
			}
			if _, _, err := f.svc.ListShipmentEvents(ctx, orders, other.ID, size, next); !apperr.IsKind(err, apperr.KindInvalid) {
				t.Fatalf("another parcel's page with this token: %v, want it refused", err)
			}
			token = next
		}
		if len(paged) != len(whole) {
			t.Fatalf("in pages of %d: %d events, the whole history has %d", size, len(paged), len(whole))
		}
		seen := map[string]bool{}
		for i := range whole {
			if d := paged[i].Description; strings.HasPrefix(d, "scan ") {
				if seen[d] {
					t.Fatalf("in pages of %d, %q comes twice", size, d)
				}
				seen[d] = true
			}
			if paged[i].CarrierEventID != whole[i].CarrierEventID || !paged[i].OccurredAt.Equal(whole[i].OccurredAt) || paged[i].Description != whole[i].Description {
				t.Fatalf("in pages of %d, event %d is %+v, in the whole history %+v", size, i, paged[i], whole[i])
			}
			if i > 0 && whole[i].OccurredAt.Before(whole[i-1].OccurredAt) {
				t.Fatalf("event %d at %v comes after one at %v: want oldest first", i, whole[i].OccurredAt, whole[i-1].OccurredAt)
			}
		}
		if len(seen) != len(recorded) {
			t.Fatalf("in pages of %d, %d of the %d events recorded came", size, len(seen), len(recorded))
		}
	}
	if _, _, err := f.svc.ListShipmentEvents(ctx, buyer, sh.ID, -1, ""); !apperr.IsKind(err, apperr.KindInvalid) {
		t.Errorf("a negative page size: %v, want INVALID_ARGUMENT", err)
	}
	if _, _, err := f.svc.ListShipmentEvents(ctx, buyer, sh.ID, 2, "not-a-token"); err != paging.ErrBadToken {
		t.Errorf("a made-up token: %v, want %v", err, paging.ErrBadToken)
	}
	stranger := auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}}
	if page, _, err := f.svc.ListShipmentEvents(ctx, stranger, sh.ID, 2, ""); err == nil || len(page) != 0 {
		t.Errorf("another buyer read %d events, %v", len(page), err)
	}
}
