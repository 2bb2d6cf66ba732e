package app_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/logistics/internal/app"
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
	in.BuyerID, in.MerchantOrgID = placer, org
	merchants := f.create(t, in)
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
	listed := func(c auth.Caller) []uuid.UUID {
		t.Helper()
		views, _, err := f.svc.ListShipments(ctx, c, app.ShipmentFilter{}, 50, "")
		if err != nil {
			t.Fatal(err)
		}
		var ids []uuid.UUID
		for _, v := range views {
			ids = append(ids, v.Shipment.ID)
		}
		return ids
	}
	if got := listed(left); len(got) != 1 || got[0] != mine.ID {
		t.Errorf("the placer after leaving lists %v, want their own parcel %s only", got, mine.ID)
	}
	if got := listed(member(uuid.NewString())); len(got) != 1 || got[0] != merchants.ID {
		t.Errorf("another member lists %v, want the merchant's parcel %s", got, merchants.ID)
	}
}
