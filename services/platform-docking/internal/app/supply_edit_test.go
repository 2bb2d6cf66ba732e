package app_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/partnertls"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/supplyapi"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
	"github.com/crossdock/crossdock/simulators/supplysim"
)

func ptr[T any](v T) *T { return &v }

// newERPKey returns an ERP API client's key as an admin gives it: the
// base64 of its seed.
func newERPKey(t *testing.T) (ed25519.PrivateKey, string) {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key, base64.StdEncoding.EncodeToString(key.Seed())
}

// supplyOrder returns docking's record of a sub-order.
func (f *supplyFixture) supplyOrder(t *testing.T, sub string) app.SupplyOrder {
	t.Helper()
	all, _, err := f.supply.ListSupplyOrders(context.Background(), admin, app.SupplyOrderFilter{PlatformID: f.platform.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range all {
		if o.SubOrderID.String() == sub {
			return o
		}
	}
	t.Fatalf("no supply order for sub-order %s", sub)
	return app.SupplyOrder{}
}

// retired returns the ids of the platform's retired accounts, sorted.
func (f *supplyFixture) retired(t *testing.T) []string {
	t.Helper()
	p, _, err := f.supply.GetSupplyPlatform(context.Background(), admin, f.platform.ID)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for id := range p.Retired {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Rotating keys is an edit the jobs follow from their next round: once the
// platform revoked the old keys the catalogue import fails with them, and
// with the new ones the import and a merchant's purchase order get through.
func TestSupplyKeyRotationTakesEffectNextRound(t *testing.T) {
	f := newSupplyFixture(t, supplysim.Faults{})
	ctx := context.Background()
	f.seed(t, "P1", "10.00", 100, "P1-A")
	if err := f.round(t); err != nil {
		t.Fatal(err)
	}
	f.sim.SetAccountKey("acc-default", "key-default-2")
	f.sim.SetAccountKey("acc-m1", "key-m1-2")
	f.seed(t, "P2", "20.00", 100, "P2-A")
	_ = f.round(t) // the old key is refused
	if got := f.catalog.count("create"); got != 1 {
		t.Fatalf("%d products created with a revoked key, want 1 (before it)", got)
	}
	_, act, err := f.supply.GetSupplyPlatform(ctx, admin, f.platform.ID)
	if err != nil || act.LastError == "" {
		t.Fatalf("the refusal is not shown to operators: %+v %v", act, err)
	}

	updated, err := f.supply.UpdateSupplyPlatform(ctx, admin, f.platform.ID, domain.SupplyUpdate{
		Default:      &domain.SupplyAccount{AccountID: "acc-default", APIKey: "key-default-2"},
		SetMerchants: map[uuid.UUID]domain.SupplyAccount{f.m1: {AccountID: "acc-m1", APIKey: "key-m1-2"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(updated.Retired) != 0 || updated.AccountFor(f.m2).AccountID != "acc-m2" || !updated.UpdatedAt.After(updated.CreatedAt) {
		t.Errorf("a key rotation retired an account or lost another: %+v", updated)
	}
	ev, sub := f.paidOrder(f.m1, f.supplier, "P1-A")
	f.paid(t, ev)
	if err := f.round(t); err != nil {
		t.Fatal(err)
	}
	if got := f.catalog.count("create"); got != 2 {
		t.Errorf("%d products created after the rotation, want 2", got)
	}
	if po, ok := f.sim.OrderByReference(sub); !ok || po.AccountID != "acc-m1" {
		t.Errorf("after the rotation the merchant's order is %+v (placed %v), want placed by acc-m1", po, ok)
	}
}

// Changing a merchant's account, or removing it, moves only the sub-orders
// to come. Orders placed before the edit, and one whose first attempt went
// out under the old account (the answer lost), stay with that account:
// retried and followed there to their waybill, never placed again. The old
// accounts are kept, retired, while such orders need them, and dropped at
// the first edit after.
func TestSupplyAccountEditKeepsPlacedOrders(t *testing.T) {
	f := newSupplyFixture(t, supplysim.Faults{})
	ctx := context.Background()
	f.seed(t, "P1", "10.00", 100, "P1-A")
	if err := f.round(t); err != nil {
		t.Fatal(err)
	}
	evM1, placedM1 := f.paidOrder(f.m1, f.supplier, "P1-A")
	evM2, placedM2 := f.paidOrder(f.m2, f.supplier, "P1-A")
	f.paid(t, evM1)
	f.paid(t, evM2)
	if err := f.round(t); err != nil {
		t.Fatal(err)
	}
	// A third order of m1 went out under acc-m1 and the platform took it,
	// but its answer was lost: docking recorded the attempt, not the order.
	evLost, lost := f.paidOrder(f.m1, f.supplier, "P1-A")
	f.paid(t, evLost)
	inFlight := f.supplyOrder(t, lost)
	inFlight.AccountID, inFlight.Attempts, inFlight.Problem = "acc-m1", 1, "answer lost"
	if err := f.store.SaveSupplyOrder(ctx, inFlight); err != nil {
		t.Fatal(err)
	}
	client := supplyapi.New(partnertls.Transport{Plaintext: true}, 5*time.Second)
	taken, err := client.PlaceOrder(ctx, f.platform, f.platform.Merchants[f.m1], lost, []domain.PurchaseLine{{SKUCode: "P1-A", Quantity: 1}})
	if err != nil {
		t.Fatal(err)
	}

	f.sim.SetAccountKey("acc-m1-new", "key-m1-new")
	if _, err := f.supply.UpdateSupplyPlatform(ctx, admin, f.platform.ID, domain.SupplyUpdate{
		SetMerchants:    map[uuid.UUID]domain.SupplyAccount{f.m1: {AccountID: "acc-m1-new", APIKey: "key-m1-new"}},
		RemoveMerchants: []uuid.UUID{f.m2},
	}); err != nil {
		t.Fatal(err)
	}
	if got := f.retired(t); !slices.Equal(got, []string{"acc-m1", "acc-m2"}) {
		t.Errorf("retired accounts %v, want acc-m1 and acc-m2", got)
	}
	evNewM1, newM1 := f.paidOrder(f.m1, f.supplier, "P1-A")
	evNewM2, newM2 := f.paidOrder(f.m2, f.supplier, "P1-A")
	f.paid(t, evNewM1)
	f.paid(t, evNewM2)
	if err := f.round(t); err != nil {
		t.Fatal(err)
	}

	want := map[string]string{placedM1: "acc-m1", placedM2: "acc-m2", lost: "acc-m1", newM1: "acc-m1-new", newM2: "acc-default"}
	orders := f.sim.Orders()
	if len(orders) != len(want) {
		t.Fatalf("%d purchase orders on the platform, want %d (none placed twice)", len(orders), len(want))
	}
	for _, o := range orders {
		if o.AccountID != want[o.Reference] {
			t.Errorf("the platform has %s's order under %s, want %s", o.Reference, o.AccountID, want[o.Reference])
		}
	}
	for sub, account := range want {
		if o := f.supplyOrder(t, sub); o.State != app.SupplyPlaced || o.AccountID != account {
			t.Errorf("sub-order %s: %s under %s, want placed under %s (%s)", sub, o.State, o.AccountID, account, o.Problem)
		}
	}
	if o := f.supplyOrder(t, lost); o.PlatformOrderID != taken.ID {
		t.Errorf("the order whose answer was lost is recorded as %s, want the platform's %s", o.PlatformOrderID, taken.ID)
	}

	// Another edit keeps the retired accounts while their orders are placed.
	if _, err := f.supply.UpdateSupplyPlatform(ctx, admin, f.platform.ID, domain.SupplyUpdate{Name: ptr("Wholesale, renamed")}); err != nil {
		t.Fatal(err)
	}
	if got := f.retired(t); !slices.Equal(got, []string{"acc-m1", "acc-m2"}) {
		t.Errorf("retired accounts %v after an edit while their orders are placed, want acc-m1 and acc-m2", got)
	}
	// The orders placed under the old accounts are followed there to their
	// waybill.
	for _, sub := range []string{placedM1, lost} {
		po, _ := f.sim.OrderByReference(sub)
		if _, err := f.sim.Ship(po.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.round(t); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{placedM1, lost} {
		shipped, _ := f.sim.OrderByReference(sub)
		if o := f.supplyOrder(t, sub); o.State != app.SupplyShipped || o.Waybill != shipped.Waybill || o.AccountID != "acc-m1" {
			t.Errorf("sub-order %s shipped under the old account: %+v, want shipped with %s", sub, o, shipped.Waybill)
		}
	}
	if _, err := f.supply.UpdateSupplyPlatform(ctx, admin, f.platform.ID, domain.SupplyUpdate{Name: ptr("Wholesale")}); err != nil {
		t.Fatal(err)
	}
	if got := f.retired(t); !slices.Equal(got, []string{"acc-m2"}) {
		t.Errorf("retired accounts %v once acc-m1's orders shipped, want only acc-m2 (its order is still placed)", got)
	}
	// An order held for an operator still needs its account: a retry
	// follows or cancels it there.
	held := f.supplyOrder(t, placedM2)
	held.State, held.Problem = app.SupplyHeld, "the platform refused the cancellation"
	if err := f.store.SaveSupplyOrder(ctx, held); err != nil {
		t.Fatal(err)
	}
	if _, err := f.supply.UpdateSupplyPlatform(ctx, admin, f.platform.ID, domain.SupplyUpdate{Name: ptr("Wholesale, again")}); err != nil {
		t.Fatal(err)
	}
	if got := f.retired(t); !slices.Equal(got, []string{"acc-m2"}) {
		t.Errorf("retired accounts %v while acc-m2's order is held, want acc-m2 kept", got)
	}
}

// A bad edit is INVALID_ARGUMENT naming every bad field and changes
// nothing; an unknown platform is NOT_FOUND; only admins edit.
func TestSupplyEditValidates(t *testing.T) {
	f := newSupplyFixture(t, supplysim.Faults{})
	ctx := context.Background()
	before, _, err := f.supply.GetSupplyPlatform(ctx, admin, f.platform.ID)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		u      domain.SupplyUpdate
		fields []string
	}{
		{"empty name", domain.SupplyUpdate{Name: ptr(" ")}, []string{"name"}},
		{"endpoint not a URL", domain.SupplyUpdate{Endpoint: ptr("supply.example:443")}, []string{"endpoint"}},
		{"default account without its key", domain.SupplyUpdate{Default: &domain.SupplyAccount{AccountID: "acc-x"}},
			[]string{"default_account.api_key"}},
		{"a merchant given the default account", domain.SupplyUpdate{
			SetMerchants: map[uuid.UUID]domain.SupplyAccount{f.m1: {AccountID: "acc-default", APIKey: "k"}}}, []string{"merchant_accounts.account_id"}},
		{"a merchant set and removed", domain.SupplyUpdate{
			SetMerchants:    map[uuid.UUID]domain.SupplyAccount{f.m1: {AccountID: "acc-m1", APIKey: "k"}},
			RemoveMerchants: []uuid.UUID{f.m1}}, []string{"remove_merchant_org_ids"}},
		{"another ERP client without its key", domain.SupplyUpdate{ERPClientID: ptr("erp-other")}, []string{"erp_private_key"}},
		{"an ERP key that does not parse", domain.SupplyUpdate{ERPKey: ptr("not-a-key")}, []string{"erp_private_key"}},
		{"category not a UUID", domain.SupplyUpdate{CategoryID: ptr("home")}, []string{"defaults.category_id"}},
		{"region of another country", domain.SupplyUpdate{OriginRegion: ptr("DE-BY")}, []string{"defaults.origin_region_code"}},
		{"several at once", domain.SupplyUpdate{Name: ptr(""), OriginRegion: ptr("CN")}, []string{"defaults.origin_region_code", "name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.supply.UpdateSupplyPlatform(ctx, admin, f.platform.ID, tt.u)
			if got := testkit.Fields(t, err); !slices.Equal(got, tt.fields) {
				t.Errorf("fields = %v, want %v", got, tt.fields)
			}
		})
	}
	_, err = f.supply.UpdateSupplyPlatform(ctx, admin, uuid.New(), domain.SupplyUpdate{Name: ptr("Nobody")})
	if !apperr.IsKind(err, apperr.KindNotFound) {
		t.Errorf("unknown platform: %v, want NotFound", err)
	}
	for _, c := range []auth.Caller{
		{Subject: "buyer-1", Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}},
		{Subject: "supplier-1", Kind: auth.KindUser, Roles: []string{auth.RoleSupplier}, OrganizationID: f.supplier.String()},
		{Subject: "svc", Kind: auth.KindService, Roles: []string{auth.RoleAdmin}},
	} {
		if _, err := f.supply.UpdateSupplyPlatform(ctx, c, f.platform.ID, domain.SupplyUpdate{Name: ptr("Mine")}); !apperr.IsKind(err, apperr.KindPermissionDenied) {
			t.Errorf("%s edits: %v, want PermissionDenied", c.Subject, err)
		}
	}
	after, _, err := f.supply.GetSupplyPlatform(ctx, admin, f.platform.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Name != before.Name || after.ERPClientID != before.ERPClientID || after.Defaults != before.Defaults ||
		after.Default != before.Default || len(after.Merchants) != 2 || !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("refused edits changed the platform: %+v, was %+v", after, before)
	}

	// What may change does; the code and the supplier stay.
	_, key := newERPKey(t)
	edited, err := f.supply.UpdateSupplyPlatform(ctx, admin, f.platform.ID, domain.SupplyUpdate{Name: ptr(" Wholesale II "),
		ERPClientID: ptr("erp-rotated"), ERPKey: ptr(key), CategoryID: ptr(uuid.NewString()), OriginRegion: ptr("cn-gd")})
	if err != nil {
		t.Fatal(err)
	}
	stored, _, err := f.supply.GetSupplyPlatform(ctx, admin, f.platform.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Name != "Wholesale II" || stored.ERPClientID != "erp-rotated" || stored.ERPKey != key || stored.Defaults.OriginRegion != "CN-GD" ||
		stored.Defaults.CategoryID != edited.Defaults.CategoryID || stored.Defaults.ModelID != before.Defaults.ModelID ||
		stored.Code != before.Code || stored.SupplierOrgID != before.SupplierOrgID {
		t.Errorf("after the edit: %+v", stored)
	}
}

// Where the installation reaches platforms over TLS only, a platform with
// an http endpoint cannot be registered or edited (any field: it must get
// an https endpoint first), and one registered while plaintext was allowed
// is sent nothing: its sub-orders wait queued, not held, and operators see
// why.
func TestSupplyPlaintextRefusedWithoutTheSetting(t *testing.T) {
	f := newSupplyFixture(t, supplysim.Faults{})
	ctx := context.Background()
	f.seed(t, "P1", "10.00", 100, "P1-A")
	if err := f.round(t); err != nil {
		t.Fatal(err)
	}
	tlsOnly := app.NewSupply(f.store, supplyapi.New(partnertls.Transport{}, 5*time.Second), f.catalog, f.shipments, supplyTestTiming, slog.New(slog.DiscardHandler))
	tlsOnly.SetClock(f.clk.Now)

	in := f.platform
	in.Code, in.SupplierOrgID = "plain", uuid.New()
	_, err := tlsOnly.CreateSupplyPlatform(ctx, admin, in)
	if got := testkit.Fields(t, err); !slices.Equal(got, []string{"endpoint"}) {
		t.Errorf("register an http platform: fields %v, want [endpoint]", got)
	}
	_, err = tlsOnly.UpdateSupplyPlatform(ctx, admin, f.platform.ID, domain.SupplyUpdate{Name: ptr("Renamed")})
	if got := testkit.Fields(t, err); !slices.Equal(got, []string{"endpoint"}) {
		t.Errorf("edit an http platform's name: fields %v, want [endpoint]", got)
	}

	ev, sub := f.paidOrder(f.m1, f.supplier, "P1-A")
	f.paid(t, ev)
	if err := tlsOnly.Round(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(f.sim.Orders()); n != 0 {
		t.Errorf("%d purchase orders sent in plaintext", n)
	}
	if o := f.supplyOrder(t, sub); o.State != app.SupplyQueued || o.AccountID != "" || o.Attempts != 0 {
		t.Errorf("the sub-order is %+v, want still queued, untried", o)
	}
	_, act, err := f.supply.GetSupplyPlatform(ctx, admin, f.platform.ID)
	if err != nil || !strings.Contains(act.LastError, "https") {
		t.Errorf("operators see %q (%v), want why nothing is sent", act.LastError, err)
	}
}

// storedAtCall is the supply API as docking calls it, noting for each
// purchase order the account docking had stored for it when the call left.
type storedAtCall struct {
	app.SupplyClient
	store    app.SupplyStore
	platform uuid.UUID
	stored   map[string]string
}

func (c *storedAtCall) PlaceOrder(ctx context.Context, p domain.SupplyPlatform, account domain.SupplyAccount, ref string, lines []domain.PurchaseLine) (app.PurchaseOrder, error) {
	all, _, err := c.store.ListSupplyOrders(ctx, app.SupplyOrderFilter{PlatformID: c.platform, Limit: 100})
	if err != nil {
		return app.PurchaseOrder{}, err
	}
	for _, o := range all {
		if o.SubOrderID.String() == ref {
			c.stored[ref] = o.AccountID
		}
	}
	return c.SupplyClient.PlaceOrder(ctx, p, account, ref, lines)
}

// A sub-order's account is stored before its first purchase order leaves:
// were docking to stop before recording the platform's answer, the next
// attempt goes to the same account even after an edit moved the merchant.
func TestSupplyAccountFixedBeforeTheFirstCall(t *testing.T) {
	f := newSupplyFixture(t, supplysim.Faults{})
	f.seed(t, "P1", "10.00", 100, "P1-A")
	if err := f.round(t); err != nil {
		t.Fatal(err)
	}
	client := &storedAtCall{SupplyClient: supplyapi.New(partnertls.Transport{Plaintext: true}, 5*time.Second), store: f.store,
		platform: f.platform.ID, stored: map[string]string{}}
	supply := app.NewSupply(f.store, client, f.catalog, f.shipments, supplyTestTiming, slog.New(slog.DiscardHandler), app.WithPlaintextSupply(true))
	supply.SetClock(f.clk.Now)
	ev, sub := f.paidOrder(f.m2, f.supplier, "P1-A")
	f.paid(t, ev)
	if err := supply.Round(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := client.stored[sub]; got != "acc-m2" {
		t.Errorf("when the purchase order left, docking had stored account %q for it, want acc-m2", got)
	}
}

// One replica at a time runs the supply jobs: a round while another
// replica runs them does nothing (two placing one purchase order at once
// could each send it under another account), and the next round does it.
func TestSupplyJobsRunOnOneReplicaAtATime(t *testing.T) {
	f := newSupplyFixture(t, supplysim.Faults{})
	ctx := context.Background()
	f.seed(t, "P1", "10.00", 100, "P1-A")
	if err := f.round(t); err != nil {
		t.Fatal(err)
	}
	ev, sub := f.paidOrder(f.m1, f.supplier, "P1-A")
	f.paid(t, ev)
	ran, err := f.store.WithSupplyLock(ctx, func(context.Context) error {
		return f.supply.Round(ctx) // another replica's round, meanwhile
	})
	if err != nil || !ran {
		t.Fatalf("holding the supply jobs: ran %v, %v", ran, err)
	}
	if n := len(f.sim.Orders()); n != 0 {
		t.Fatalf("a round while another replica ran the jobs placed %d purchase orders", n)
	}
	if err := f.round(t); err != nil {
		t.Fatal(err)
	}
	if o := f.supplyOrder(t, sub); o.State != app.SupplyPlaced || len(f.sim.Orders()) != 1 {
		t.Errorf("the next round: %s, %d purchase orders; want placed, once", o.State, len(f.sim.Orders()))
	}
}
