package app_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// A service relaying for a supplier (docking for the supplier's ERP) lists
// and ships that supplier's sub-orders and no other's: a service naming no
// supplier or another one is told the sub-order does not exist, and a
// supplier naming another supplier gains nothing by it.
func TestServiceRelayingForASupplier(t *testing.T) {
	s := newSaga(t)
	ann := s.buyer(100_000)
	o := s.checkout(t, ann, line(s.phone, 1), line(s.scarf, 1))
	if _, err := s.svc.PayOrder(ctx, ann, o.ID); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	var phone, scarf domain.SubOrder
	for _, sub := range o.SubOrders {
		if sub.SupplierID == s.gadgets {
			phone = sub
		} else {
			scarf = sub
		}
	}
	docking := auth.Caller{Subject: "platform-docking", Kind: auth.KindService, Roles: []string{auth.RoleService}}
	// A token claiming the service role without being a service account.
	pretender := auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: []string{auth.RoleService}}
	from := domain.Address{Recipient: "Works", Country: "CN", City: "Shenzhen", Lines: []string{"Dock 4"}}

	lists := []struct {
		name     string
		caller   auth.Caller
		supplier uuid.UUID
		want     apperr.Kind
		wantSub  uuid.UUID
	}{
		{"a service for gadgets", docking, s.gadgets, apperr.KindUnknown, phone.ID},
		{"a service for linen", docking, s.linen, apperr.KindUnknown, scarf.ID},
		{"a service naming no supplier", docking, uuid.Nil, apperr.KindInvalid, uuid.Nil},
		{"a user claiming the service role", pretender, s.gadgets, apperr.KindPermissionDenied, uuid.Nil},
		{"a supplier naming another is refused", supplierOf(s.linen), s.gadgets, apperr.KindPermissionDenied, uuid.Nil},
	}
	for _, tt := range lists {
		t.Run("list/"+tt.name, func(t *testing.T) {
			list, _, err := s.svc.ListSupplierSubOrders(ctx, tt.caller, tt.supplier, nil, 0, "")
			if tt.want != apperr.KindUnknown {
				wantKind(t, err, tt.want, "")
				return
			}
			if err != nil || len(list) != 1 || list[0].SubOrders[0].ID != tt.wantSub {
				t.Fatalf("listed %v, %v; want only %s", list, err, tt.wantSub)
			}
		})
	}

	ships := []struct {
		name       string
		caller     auth.Caller
		sub        uuid.UUID
		onBehalfOf uuid.UUID
		want       apperr.Kind
	}{
		{"a service naming no supplier", docking, phone.ID, uuid.Nil, apperr.KindNotFound},
		{"a service naming another supplier", docking, phone.ID, s.linen, apperr.KindNotFound},
		{"a user claiming the service role", pretender, phone.ID, s.gadgets, apperr.KindNotFound},
		{"another supplier naming the right one", supplierOf(s.linen), phone.ID, s.gadgets, apperr.KindNotFound},
		{"a partner client naming the supplier", auth.Caller{Subject: "pc", Kind: auth.KindAPIClient, Roles: []string{auth.RolePartner},
			OrganizationID: s.gadgets.String()}, phone.ID, s.gadgets, apperr.KindNotFound},
		{"a service for the sub-order's supplier", docking, phone.ID, s.gadgets, apperr.KindUnknown},
		{"a retry answers the same shipment", docking, phone.ID, s.gadgets, apperr.KindUnknown},
	}
	var waybill string
	for _, tt := range ships {
		t.Run("ship/"+tt.name, func(t *testing.T) {
			got, err := s.svc.ShipSubOrder(ctx, tt.caller, tt.sub, uuid.New(), from, tt.onBehalfOf)
			if tt.want != apperr.KindUnknown {
				wantKind(t, err, tt.want, "")
				return
			}
			if err != nil || got.Status != domain.Shipped || got.Waybill == "" || waybill != "" && got.Waybill != waybill {
				t.Fatalf("ship: %+v, %v (first waybill %q)", got, err, waybill)
			}
			waybill = got.Waybill
		})
	}
	// Nothing but the relayed shipment moved: linen's scarf waits.
	got, err := s.svc.GetSubOrder(ctx, supplierOf(s.linen), scarf.ID)
	if err != nil || got.SubOrder.Status != domain.Paid {
		t.Errorf("scarf = %v, %v; want paid", got.SubOrder.Status, err)
	}
}
