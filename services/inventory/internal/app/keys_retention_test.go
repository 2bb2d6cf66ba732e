package app_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/inventory/internal/app"
)

// Idempotency keys are kept for KeyRetention, then purged: a retry within
// it returns the first answer; the same key after it is a new command. Keys
// younger than the retention stay, however many older ones go.
func TestIdempotencyKeysArePurgedAfterTheirRetention(t *testing.T) {
	f := newFixture(t, 4)
	sup := supplier()
	sku := f.sku(t, sup, "A")
	w := f.warehouse(t, sup)
	f.stock(t, sup, w, sku, 3000) // an adjustment under a key of its own

	adjust := func(key string, delta int64) (int64, error) {
		l, err := f.svc.AdjustStock(ctx, sup, app.AdjustInput{WarehouseID: w.ID, SKUID: sku, Delta: delta, Reason: "count", IdempotencyKey: key})
		return l.OnHand, err
	}
	// More old keys than one purge statement deletes.
	for i := range 1100 {
		if _, err := adjust("old-"+strconv.Itoa(i), -1); err != nil {
			t.Fatal(err)
		}
	}
	retention := app.DefaultConfig().KeyRetention
	f.clock.Advance(retention - time.Hour)
	if _, err := adjust("young", -1); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(2 * time.Hour) // the old keys are past their retention, "young" is not

	n, err := f.svc.PurgeKeys(ctx)
	if err != nil || n != 1101 {
		t.Fatalf("purged %d keys, %v; want the 1101 old ones", n, err)
	}
	if n, err := f.svc.PurgeKeys(ctx); err != nil || n != 0 {
		t.Fatalf("a second purge deleted %d keys, %v", n, err)
	}
	// A key still kept: the retry returns the first answer, another body is refused.
	if onHand, err := adjust("young", -1); err != nil || onHand != 3000-1101 {
		t.Fatalf("retry of a kept key = %d, %v; want the first answer %d", onHand, err, 3000-1101)
	}
	_, err = adjust("young", -5)
	wantKind(t, err, apperr.KindAlreadyExists)
	// A purged key is free again: the same key and body run as a new command.
	if onHand, err := adjust("old-0", -1); err != nil || onHand != 3000-1102 {
		t.Fatalf("a purged key = %d, %v; want a new adjustment to %d", onHand, err, 3000-1102)
	}
	f.mustHoldInvariants(t)
}
