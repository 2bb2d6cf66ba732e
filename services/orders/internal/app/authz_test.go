package app_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// A supplier reads a sub-order of its own only once it was paid, whatever
// became of it since: one cancelled before payment is as unknown to it as
// a pending one (its buyer and address are none of its business), in its
// reads, its change log and its commands; one paid and then cancelled, or
// a partner's order (paid when placed), it reads.
func TestSuppliersReadOnlySubOrdersThatWerePaid(t *testing.T) {
	s := newSaga(t)
	ann := s.buyer(100_000)
	works := supplierOf(s.gadgets)
	unpaid := s.checkout(t, ann, line(s.phone, 1))
	if _, err := s.svc.CancelOrder(ctx, ann, unpaid.ID, ""); err != nil {
		t.Fatal(err)
	}
	paid := s.checkout(t, ann, line(s.phone, 1))
	if _, err := s.svc.PayOrder(ctx, ann, paid.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.CancelOrder(ctx, ann, paid.ID, ""); err != nil {
		t.Fatal(err)
	}
	partner, _, err := s.svc.PlaceExternalOrder(ctx, docking, app.ExternalOrderInput{Channel: "partner:dh", ExternalOrderID: "DH-1", BuyerRef: "kim",
		Lines: []domain.CartLine{line(s.phone, 1)}, Address: &domain.Address{Recipient: "Kim", Country: "DE", Region: "DE-BE", City: "Berlin", Lines: []string{"Allee 1"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		order    domain.Order
		readable bool
	}{
		{"cancelled before payment", unpaid, false},
		{"cancelled after payment", paid, true},
		{"a partner's order", partner, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sub := tc.order.SubOrders[0].ID
			_, getErr := s.svc.GetSubOrder(ctx, works, sub)
			changes, logErr := s.svc.ListOrderChanges(ctx, works, tc.order.ID)
			if !tc.readable {
				wantKind(t, getErr, apperr.KindNotFound, "")
				wantKind(t, logErr, apperr.KindNotFound, "")
				_, err := s.svc.AcceptSubOrder(ctx, works, sub)
				wantKind(t, err, apperr.KindNotFound, "")
				return
			}
			if getErr != nil || logErr != nil || len(changes) == 0 {
				t.Errorf("the supplier reads %d changes (%v), the sub-order: %v", len(changes), logErr, getErr)
			}
		})
	}
	// Nor does it list the unpaid one; another supplier reads none.
	list, _, err := s.svc.ListSupplierSubOrders(ctx, works, uuid.Nil, nil, 0, "")
	if err != nil || len(list) != 2 {
		t.Errorf("the supplier lists %d sub-orders (%v), want the 2 paid", len(list), err)
	}
	if _, err := s.svc.GetSubOrder(ctx, supplierOf(s.linen), paid.SubOrders[0].ID); apperr.KindOf(err) != apperr.KindNotFound {
		t.Errorf("another supplier reads the sub-order: %v", err)
	}
}
