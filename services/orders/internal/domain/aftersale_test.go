package domain_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// An exchange whose replacement came back becomes a return whose status
// follows its original; anything but a replacement on its way is refused
// and left as it was. Filed again under its request id as the exchange it
// was filed as, it is the same request.
func TestReplacementBack(t *testing.T) {
	parcel := uuid.New()
	for _, tc := range []struct {
		name           string
		kind           domain.AfterSaleKind
		status         domain.AfterSaleStatus
		received, kept bool
		returnShipment *uuid.UUID
		want           domain.AfterSaleStatus // "" refused
	}{
		{"original received", domain.Exchange, domain.AfterSaleReplacementShipped, true, false, &parcel, domain.AfterSaleReceived},
		{"original received, its parcel gone", domain.Exchange, domain.AfterSaleReplacementShipped, true, false, nil, domain.AfterSaleReceived},
		{"original on its way", domain.Exchange, domain.AfterSaleReplacementShipped, false, false, &parcel, domain.AfterSaleApproved},
		// Sent by the buyer's own means (an external parcel's sub-order), or
		// its parcel back not booked yet: still awaited.
		{"no parcel back", domain.Exchange, domain.AfterSaleReplacementShipped, false, false, nil, domain.AfterSaleApproved},
		{"original kept", domain.Exchange, domain.AfterSaleReplacementShipped, false, true, nil, domain.AfterSaleExpired},
		{"replacement not shipped", domain.Exchange, domain.AfterSaleApproved, false, false, &parcel, ""},
		{"exchanged", domain.Exchange, domain.AfterSaleExchanged, true, false, &parcel, ""},
		{"a return", domain.Return, domain.AfterSaleApproved, false, false, &parcel, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			replacement := uuid.New()
			a := domain.AfterSale{ID: uuid.New(), Kind: tc.kind, Status: tc.status, Received: tc.received, OriginalKept: tc.kept, ReturnShipmentID: tc.returnShipment,
				ReplacementShipmentID: &replacement, Reason: "too small",
				Lines: []domain.AfterSaleLine{{SKUID: uuid.New(), Quantity: 1}}}
			before := a
			change, err := a.ReplacementBack(domain.Actor{Kind: "system"}, "came back", at)
			if tc.want == "" {
				if apperr.KindOf(err) != apperr.KindFailedPrecondition || a.Kind != before.Kind || a.Status != before.Status {
					t.Fatalf("refused? %v, now %s %s", err, a.Kind, a.Status)
				}
				return
			}
			if err != nil || a.Kind != domain.Return || a.Status != tc.want || !a.UpdatedAt.Equal(at) {
				t.Fatalf("%s %s at %s, %v; want a return %s", a.Kind, a.Status, a.UpdatedAt, err, tc.want)
			}
			if change.From != "exchange:replacement_shipped" || change.To != domain.Status("return:"+string(tc.want)) {
				t.Errorf("logged %s → %s", change.From, change.To)
			}
			in := domain.AfterSaleInput{Kind: domain.Exchange, Reason: "too small",
				Lines: []domain.AfterSaleLineInput{{SKUID: a.Lines[0].SKUID, Quantity: 1}}}
			if !a.SameRequest(in) {
				t.Error("the exchange filed again is another request")
			}
			if in.Kind = domain.Return; a.SameRequest(in) {
				t.Error("a return filed under its id is the same request")
			}
			plain := domain.AfterSale{Kind: domain.Return, Reason: a.Reason, Lines: a.Lines}
			if in.Kind = domain.Exchange; plain.SameRequest(in) {
				t.Error("an exchange filed under a return's id is the same request")
			}
		})
	}
}

// A return, one converted from an exchange included, never moves to
// replacement_shipped: it ships nothing, and nothing would close it.
func TestAReturnShipsNoReplacement(t *testing.T) {
	for _, kind := range []domain.AfterSaleKind{domain.Return, domain.Exchange} {
		a := domain.AfterSale{ID: uuid.New(), Kind: kind, Status: domain.AfterSaleApproved}
		_, err := a.Move(domain.AfterSaleReplacementShipped, domain.Actor{Kind: "system"}, "shipped", at)
		if refused := apperr.KindOf(err) == apperr.KindFailedPrecondition; refused != (kind == domain.Return) {
			t.Errorf("a %s moved to replacement_shipped: %v", kind, err)
		}
	}
}
