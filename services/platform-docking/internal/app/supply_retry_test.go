package app_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/simulators/supplysim"
)

// A sub-order the platform refused (out of stock there) is held; once the
// platform has stock again an operator retries it and the next round
// places it, once, under the account it was first sent under. A retry of
// an order at work answers it as it is; a shipped one, another platform's
// or an unknown one is refused, and only admins may retry.
func TestHeldSupplyOrderRetriedByAnOperator(t *testing.T) {
	ctx := context.Background()
	f := newSupplyFixture(t, supplysim.Faults{})
	f.seed(t, "P1", "10.00", 100, "P1-A")
	if err := f.round(t); err != nil {
		t.Fatal(err)
	}
	if err := f.sim.SetStock("P1-A", 0); err != nil {
		t.Fatal(err)
	}
	ev, sub := f.paidOrder(f.m1, f.supplier, "P1-A")
	f.paid(t, ev)
	_ = f.round(t)
	held := f.supplyOrder(t, sub)
	if held.State != app.SupplyHeld || held.Problem == "" || held.AccountID != "acc-m1" {
		t.Fatalf("out of stock on the platform: %+v", held)
	}
	_ = f.round(t)
	if _, placed := f.sim.OrderByReference(sub); placed || f.supplyOrder(t, sub).State != app.SupplyHeld {
		t.Fatal("a held order was worked without an operator")
	}

	subID := uuid.MustParse(sub)
	supplier := auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: []string{auth.RoleSupplier}}
	if _, err := f.supply.RetrySupplyOrder(ctx, supplier, f.platform.ID, subID); apperr.KindOf(err) != apperr.KindPermissionDenied {
		t.Fatalf("a supplier retried: %v", err)
	}
	if _, err := f.supply.RetrySupplyOrder(ctx, admin, uuid.New(), subID); apperr.KindOf(err) != apperr.KindNotFound {
		t.Fatalf("another platform's order: %v", err)
	}
	if _, err := f.supply.RetrySupplyOrder(ctx, admin, f.platform.ID, uuid.New()); apperr.KindOf(err) != apperr.KindNotFound {
		t.Fatalf("an unknown order: %v", err)
	}

	if err := f.sim.SetStock("P1-A", 5); err != nil {
		t.Fatal(err)
	}
	retried, err := f.supply.RetrySupplyOrder(ctx, admin, f.platform.ID, subID)
	if err != nil || retried.State != app.SupplyQueued || retried.Problem != "" || retried.Attempts != 0 || retried.AccountID != "acc-m1" {
		t.Fatalf("retried: %+v, %v", retried, err)
	}
	again, err := f.supply.RetrySupplyOrder(ctx, admin, f.platform.ID, subID)
	if err != nil || again.State != app.SupplyQueued {
		t.Fatalf("retried twice: %+v, %v", again, err)
	}
	if err := f.round(t); err != nil {
		t.Fatal(err)
	}
	po, ok := f.sim.OrderByReference(sub)
	if placed := f.supplyOrder(t, sub); !ok || placed.State != app.SupplyPlaced || placed.PlatformOrderID != po.ID || po.AccountID != "acc-m1" {
		t.Fatalf("after the retry: %+v, platform order %+v", placed, po)
	}
	if _, err := f.sim.Ship(po.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.round(t); err != nil {
		t.Fatal(err)
	}
	_, err = f.supply.RetrySupplyOrder(ctx, admin, f.platform.ID, subID)
	if e := (*apperr.Error)(nil); !errors.As(err, &e) || e.Reason != "SUPPLY_ORDER_SHIPPED" {
		t.Fatalf("a shipped order retried: %v", err)
	}
	if n := len(f.sim.Orders()); n != 1 {
		t.Fatalf("%d platform orders, want 1", n)
	}
}
