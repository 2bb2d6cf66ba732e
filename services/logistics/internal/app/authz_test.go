package app_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/logistics/internal/app"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
	"github.com/crossdock/crossdock/simulators/carriersim"
)

// A merchant's parcel is the merchant's: its members read and list it, and
// the member who placed the order no longer does once they left the
// merchant. A person's own parcel stays theirs. Before, logistics knew only
// the buyer id, the member who placed the order, who kept reading the
// parcel (its address, goods and tracking) after leaving, while the other
// members could not.
func TestAMerchantsParcelIsReadByItsMembersOnly(t *testing.T) {
	f := newFixture(t, carriersim.Config{TimeScale: 3e6, Tick: 5 * time.Millisecond, Seed: 23, UnservedCountries: []string{}}, 4)
	org := uuid.New()
	placer := uuid.NewString()
	in := f.input(0, "express")
	in.BuyerID = placer
	legacy := f.create(t, in) // booked by a version of orders that did not send the merchant
	in.MerchantOrgID = org
	merchants := f.create(t, in) // its retry does: the same parcel
	if merchants.MerchantOrgID != uuid.Nil {
		t.Fatalf("the retry changed the recorded parcel: %+v", merchants)
	}
	in.SubOrderID = uuid.New()
	merchants = f.create(t, in)
	own := f.input(1, "express")
	own.BuyerID = placer
	mine := f.create(t, own)

	member := func(subject string) auth.Caller {
		return auth.Caller{Subject: subject, Kind: auth.KindUser, Roles: []string{auth.RoleMerchant}, OrganizationID: org.String()}
	}
	left := auth.Caller{Subject: placer, Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}}
	for _, tt := range []struct {
		name   string
		c      auth.Caller
		id     uuid.UUID
		allows bool
	}{
		{"the member who placed it", member(placer), merchants.ID, true},
		{"another member", member(uuid.NewString()), merchants.ID, true},
		{"the placer after leaving", left, merchants.ID, false},
		{"a member of another merchant", auth.Caller{Subject: placer, Kind: auth.KindUser, Roles: []string{auth.RoleMerchant}, OrganizationID: uuid.NewString()}, merchants.ID, false},
		{"a person's own parcel", left, mine.ID, true},
	} {
		_, err := f.svc.GetShipment(ctx, tt.c, tt.id)
		if tt.allows && err != nil || !tt.allows && !apperr.IsKind(err, apperr.KindNotFound) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	listed := func(c auth.Caller) []uuid.UUID { return f.listed(t, c, app.ShipmentFilter{}) }
	// A parcel booked before parcels named their merchant stays the
	// placer's, in their lists too (as a member, beside their own).
	same := func(got []uuid.UUID, want ...uuid.UUID) bool {
		return len(got) == len(want) && !slices.ContainsFunc(want, func(id uuid.UUID) bool { return !slices.Contains(got, id) })
	}
	if got := listed(left); !same(got, mine.ID, legacy.ID) {
		t.Errorf("the placer after leaving lists %v, want their own %s and the older %s", got, mine.ID, legacy.ID)
	}
	if got := listed(member(placer)); !same(got, merchants.ID, legacy.ID, mine.ID) {
		t.Errorf("the placer as a member lists %v, want the merchant's %s, the older %s and their own %s", got, merchants.ID, legacy.ID, mine.ID)
	}
	if got := listed(member(uuid.NewString())); !same(got, merchants.ID) {
		t.Errorf("another member lists %v, want the merchant's parcel %s", got, merchants.ID)
	}
}

// A supplier's member who buys on the platform lists their own purchases
// by asking for them (buyer_id, themselves); without it they list the
// organization's parcels. Before, the organization was forced on both, and
// their purchases from other suppliers never showed.
func TestASupplierMemberListsTheirOwnPurchases(t *testing.T) {
	f := newFixture(t, carriersim.Config{TimeScale: 3e6, Tick: 5 * time.Millisecond, Seed: 23, UnservedCountries: []string{}}, 4)
	org := uuid.New()
	member := auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: []string{auth.RoleSupplier, auth.RoleBuyer}, OrganizationID: org.String()}
	bought := f.input(0, "express")
	bought.BuyerID = member.Subject
	purchase := f.create(t, bought)
	supplied := f.input(1, "express")
	supplied.SupplierOrgID = org
	sale := f.create(t, supplied)
	listed := func(filter app.ShipmentFilter) []uuid.UUID { return f.listed(t, member, filter) }
	if got := listed(app.ShipmentFilter{BuyerID: member.Subject}); !slices.Equal(got, []uuid.UUID{purchase.ID}) {
		t.Errorf("their own purchases: %v, want %s", got, purchase.ID)
	}
	if got := listed(app.ShipmentFilter{}); !slices.Equal(got, []uuid.UUID{sale.ID}) {
		t.Errorf("the organization's parcels: %v, want %s", got, sale.ID)
	}
}

// listed is the ids of the parcels c lists with filter, newest first.
func (f *fixture) listed(t *testing.T, c auth.Caller, filter app.ShipmentFilter) []uuid.UUID {
	t.Helper()
	views, _, err := f.svc.ListShipments(ctx, c, filter, 50, "")
	if err != nil {
		t.Fatal(err)
	}
	var ids []uuid.UUID
	for _, v := range views {
		ids = append(ids, v.Shipment.ID)
	}
	return ids
}

// A page token is bound to the filter it was listed with: used with another
// filter's list it would start at its place and skip the rows before it.
func TestAShipmentPageTokenIsBoundToItsFilter(t *testing.T) {
	f := newFixture(t, carriersim.Config{TimeScale: 3e6, Tick: 5 * time.Millisecond, Seed: 29, UnservedCountries: []string{}}, 4)
	older, newer := f.create(t, f.input(0, "express")), f.create(t, f.input(1, "express"))
	first, token, err := f.svc.ListShipments(ctx, admin, app.ShipmentFilter{}, 1, "")
	if err != nil || len(first) != 1 || token == "" {
		t.Fatalf("first page of one: %d, token %q, %v", len(first), token, err)
	}
	next, _, err := f.svc.ListShipments(ctx, admin, app.ShipmentFilter{}, 1, token)
	if err != nil || len(next) != 1 || next[0].Shipment.ID != older.ID || first[0].Shipment.ID != newer.ID {
		t.Fatalf("pages %v then %v (%v), want %s then %s", first, next, err, newer.ID, older.ID)
	}
	for _, other := range []app.ShipmentFilter{{Statuses: []domain.Status{domain.StatusBooked}}, {Statuses: []domain.Status{domain.StatusInTransit}}, {BuyerID: "someone"}} {
		if _, _, err := f.svc.ListShipments(ctx, admin, other, 1, token); !apperr.IsKind(err, apperr.KindInvalid) {
			t.Errorf("filter %+v with another filter's token: %v, want InvalidArgument", other, err)
		}
	}
}
