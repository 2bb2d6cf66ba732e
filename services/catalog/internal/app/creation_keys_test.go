package app_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/idempotency"
	"github.com/crossdock/crossdock/services/catalog/internal/domain"
)

// A supplier's ERP that lost CreateProduct's answer calls again. Without a
// key the retry is refused over the product's own SKU codes; with one it
// answers the product the first call created, as it is now, and nothing is
// created twice, even when the retries race the first call.
func TestCreateProductOncePerKey(t *testing.T) {
	f := newFixture(t)
	in := f.productInput("Desk lamp", "LAMP-1", map[string]int64{"white": 2500})
	var wg sync.WaitGroup
	got := make([]domain.Product, 3)
	errs := make([]error, 3)
	for i := range got {
		wg.Go(func() { got[i], errs[i] = f.svc.CreateProduct(ctx, f.supplierA, in, "erp-lamp-1") })
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil || got[i].ID != got[0].ID {
			t.Fatalf("concurrent creations under one key: %v, %v / %v", got[i].ID, got[0].ID, errs)
		}
	}
	p := got[0]
	if _, err := f.svc.CreateProduct(ctx, f.supplierA, in, ""); !errors.Is(err, domain.ErrSKUCodeTaken) {
		t.Fatalf("a retry without a key = %v, want the SKU code refused", err)
	}
	must(f.svc.SubmitProduct(ctx, f.supplierA, p.ID))(t)
	again, err := f.svc.CreateProduct(ctx, f.supplierA, in, "erp-lamp-1")
	if err != nil || again.ID != p.ID || again.Status != domain.StatusSubmitted {
		t.Fatalf("a retry after submission = %s %s, %v; want %s as it is now", again.ID, again.Status, err, p.ID)
	}

	other := f.productInput("Desk lamp", "LAMP-2", map[string]int64{"white": 2500})
	if _, err := f.svc.CreateProduct(ctx, f.supplierA, other, "erp-lamp-1"); !errors.Is(err, idempotency.ErrKeyReused) {
		t.Errorf("the key with another product = %v, want %v", err, idempotency.ErrKeyReused)
	}
	// Keys are each supplier's own.
	theirs, err := f.svc.CreateProduct(ctx, f.supplierB, in, "erp-lamp-1")
	if err != nil || theirs.ID == p.ID {
		t.Fatalf("another supplier's product under the same key = %v, %v", theirs.ID, err)
	}
	// A refused creation leaves its key free for the corrected request.
	bad := f.productInput("Desk lamp, brass", "LAMP-1", map[string]int64{"white": 2500}) // its SKU code is taken
	if _, err := f.svc.CreateProduct(ctx, f.supplierA, bad, "erp-lamp-3"); !errors.Is(err, domain.ErrSKUCodeTaken) {
		t.Fatalf("a taken SKU code = %v", err)
	}
	fixed := f.productInput("Desk lamp", "LAMP-3", map[string]int64{"black": 2500})
	if _, err := f.svc.CreateProduct(ctx, f.supplierA, fixed, "erp-lamp-3"); err != nil {
		t.Errorf("the corrected request under the refused one's key = %v", err)
	}
	var n int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM products WHERE supplier_id = $1`, uuid.MustParse(f.supplierA.OrganizationID)).Scan(&n); err != nil || n != 2 {
		t.Errorf("supplier A has %d products (%v), want 2", n, err)
	}
	_, err = f.svc.CreateProduct(ctx, f.supplierA, in, string(make([]byte, 129)))
	wantKind(t, err, apperr.KindInvalid)
}
