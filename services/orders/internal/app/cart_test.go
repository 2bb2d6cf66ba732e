package app_test

import (
	"context"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/orders/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
	"github.com/crossdock/crossdock/services/orders/migrations"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var ctx = context.Background()

// catalogue plays the catalog's answer for a fixed set of SKUs.
type catalogue map[uuid.UUID]domain.SKU

func (c catalogue) SKUs(_ context.Context, ids []uuid.UUID) (map[uuid.UUID]domain.SKU, error) {
	out := map[uuid.UUID]domain.SKU{}
	for _, id := range ids {
		if s, ok := c[id]; ok {
			s.NoTierPrice = false
			out[id] = s
		}
	}
	return out, nil
}

// MerchantSKUs prices every SKU at 70 % of retail for any merchant, except
// those the catalogue marks as having no tier price.
func (c catalogue) MerchantSKUs(_ context.Context, ids []uuid.UUID, _ uuid.UUID) (map[uuid.UUID]domain.SKU, error) {
	out := map[uuid.UUID]domain.SKU{}
	for _, id := range ids {
		if s, ok := c[id]; ok {
			s.Price.Amount = s.Price.Amount * 7 / 10
			out[id] = s
		}
	}
	return out, nil
}

// stock plays inventory's availability.
type stock map[uuid.UUID]int64

func (s stock) Available(_ context.Context, ids []uuid.UUID) (map[uuid.UUID]int64, error) {
	out := map[uuid.UUID]int64{}
	for _, id := range ids {
		out[id] = s[id]
	}
	return out, nil
}

func buyer() auth.Caller {
	return auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}}
}

func TestCart(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "orders", FS: migrations.FS})
	supplier := uuid.New()
	phone := domain.SKU{ID: uuid.New(), SupplierID: supplier, Type: domain.Physical, Price: money.MustNew(19900, "USD"), OnSale: true}
	licence := domain.SKU{ID: uuid.New(), SupplierID: supplier, Type: domain.Virtual, Price: money.MustNew(1500, "EUR"), OnSale: true}
	gone := domain.SKU{ID: uuid.New(), SupplierID: supplier, Type: domain.Physical, Price: money.MustNew(100, "USD")}
	cat := catalogue{phone.ID: phone, licence.ID: licence, gone.ID: gone}
	svc := app.New(postgres.New(pool), app.Peers{Catalog: cat, Inventory: inventoryOf(stock{phone.ID: 2, licence.ID: 1000})}, app.Config{})
	ann := buyer()

	if _, err := svc.SetCartLine(ctx, ann, phone.ID, 3); err != nil {
		t.Fatal(err)
	}
	v, err := svc.SetCartLine(ctx, ann, licence.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Lines) != 2 || v.Lines[0].Problem != "only 2 available" || v.Lines[1].Problem != "" {
		t.Fatalf("cart %+v", v.Lines)
	}
	if len(v.Totals) != 2 || v.Totals[0] != money.MustNew(1500, "EUR") || v.Totals[1] != money.MustNew(3*19900, "USD") {
		t.Errorf("totals %v, want 15.00 EUR and 597.00 USD", v.Totals)
	}
	for _, tc := range []struct {
		name string
		sku  uuid.UUID
		qty  int32
		kind apperr.Kind
	}{
		{"a SKU not on sale", gone.ID, 1, apperr.KindFailedPrecondition},
		{"an unknown SKU", uuid.New(), 1, apperr.KindNotFound},
		{"a negative quantity", phone.ID, -1, apperr.KindInvalid},
		{"too many", phone.ID, domain.MaxLineQuantity + 1, apperr.KindInvalid},
		{"removing a line not there", uuid.New(), 0, apperr.KindNotFound},
		// The input is checked before the SKU is looked up: too many of a
		// SKU off sale, or no SKU at all, is the caller's mistake.
		{"too many of a SKU not on sale", gone.ID, domain.MaxLineQuantity + 1, apperr.KindInvalid},
		{"the nil SKU", uuid.Nil, 1, apperr.KindInvalid},
	} {
		if _, err := svc.SetCartLine(ctx, ann, tc.sku, tc.qty); apperr.KindOf(err) != tc.kind {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.kind)
		}
	}

	// The cart is the buyer's own and stays on the server.
	if other, err := svc.GetCart(ctx, buyer()); err != nil || len(other.Lines) != 0 {
		t.Errorf("another buyer's cart: %v, %v", other.Lines, err)
	}
	again, err := app.New(postgres.New(pool), app.Peers{Catalog: cat, Inventory: inventoryOf(stock{})}, app.Config{}).GetCart(ctx, ann)
	if err != nil || len(again.Lines) != 2 {
		t.Fatalf("the cart read by another process: %v, %v", again.Lines, err)
	}
	// A SKU that went off sale stays in the cart, flagged, and can be removed.
	delete(cat, phone.ID)
	v, _ = svc.GetCart(ctx, ann)
	if v.Lines[0].Problem != "no longer in the catalogue" || len(v.Totals) != 1 {
		t.Errorf("an unknown SKU in the cart: %+v, totals %v", v.Lines[0], v.Totals)
	}
	if v, err = svc.SetCartLine(ctx, ann, phone.ID, 0); err != nil || len(v.Lines) != 1 {
		t.Fatalf("removing it: %v, %v", v.Lines, err)
	}
	if v, err = svc.ClearCart(ctx, ann); err != nil || len(v.Lines) != 0 {
		t.Fatalf("clear: %v, %v", v.Lines, err)
	}
	if _, err := svc.GetCart(ctx, auth.Caller{Subject: "orders", Kind: auth.KindService}); !apperr.IsKind(err, apperr.KindPermissionDenied) {
		t.Errorf("a service's cart: %v", err)
	}
}

// Lines set at the same time by one buyer (two tabs) are all kept.
func TestConcurrentCartChangesAreAllKept(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "orders", FS: migrations.FS})
	cat := catalogue{}
	for range 20 {
		s := domain.SKU{ID: uuid.New(), Type: domain.Physical, Price: money.MustNew(100, "USD"), OnSale: true}
		cat[s.ID] = s
	}
	svc := app.New(postgres.New(pool), app.Peers{Catalog: cat, Inventory: inventoryOf(stock{})}, app.Config{})
	ann := buyer()
	var wg sync.WaitGroup
	for id := range cat {
		wg.Go(func() {
			if _, err := svc.SetCartLine(ctx, ann, id, 1); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	v, err := svc.GetCart(ctx, ann)
	if err != nil || len(v.Lines) != len(cat) {
		t.Fatalf("%d lines kept of %d set at once (%v)", len(v.Lines), len(cat), err)
	}
}

// A merchant's member sees its cart at the merchant's tier cost prices, as
// checkout will charge them, not at retail; a SKU its supplier set no tier
// price for cannot be added, and one already in the cart is flagged.
func TestMerchantCartIsPricedAtTheTier(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "orders", FS: migrations.FS})
	supplier := uuid.New()
	lamp := domain.SKU{ID: uuid.New(), SupplierID: supplier, Type: domain.Physical, Price: money.MustNew(2000, "USD"), OnSale: true}
	vase := domain.SKU{ID: uuid.New(), SupplierID: supplier, Type: domain.Physical, Price: money.MustNew(5000, "USD"), OnSale: true}
	cat := catalogue{lamp.ID: lamp, vase.ID: vase}
	svc := app.New(postgres.New(pool), app.Peers{Catalog: cat, Inventory: inventoryOf(stock{lamp.ID: 100, vase.ID: 100})}, app.Config{})
	member := auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: []string{auth.RoleMerchant}, OrganizationID: uuid.NewString()}

	if _, err := svc.SetCartLine(ctx, member, vase.ID, 1); err != nil {
		t.Fatal(err)
	}
	v, err := svc.SetCartLine(ctx, member, lamp.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Totals) != 1 || v.Totals[0] != money.MustNew(10*1400+3500, "USD") {
		t.Errorf("totals %v, want 175.00 USD at 70 %% of retail", v.Totals)
	}
	vase.NoTierPrice = true
	cat[vase.ID] = vase
	v, err = svc.GetCart(ctx, member)
	if err != nil {
		t.Fatal(err)
	}
	if v.Lines[0].Problem != "no price for your merchant tier" || len(v.Totals) != 1 || v.Totals[0] != money.MustNew(14000, "USD") {
		t.Errorf("a SKU without a tier price in the cart: %+v, totals %v", v.Lines[0], v.Totals)
	}
	if _, err := svc.SetCartLine(ctx, member, vase.ID, 2); apperr.KindOf(err) != apperr.KindFailedPrecondition {
		t.Errorf("adding a SKU without a tier price: %v, want FailedPrecondition", err)
	}
}
