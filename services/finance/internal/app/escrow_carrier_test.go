package app_test

import (
	"testing"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain/escrow"
)

// A carrier is paid what its payable holds: the freight legs paid to it.
// Only an admin records a payment, once per payment id, never more than
// the payable holds, and each payment is announced with its note.
func TestRecordCarrierPayment(t *testing.T) {
	k := newEscrowKit(t)
	k.payTwoUSD(t, "org-2")
	for _, leg := range []escrow.FreightLeg{
		{SubOrderID: "s-1", LegID: "leg-1", CarrierID: "c-1", Amount: 600, Currency: "USD"},
		{SubOrderID: "s-2", LegID: "leg-2", CarrierID: "c-1", Amount: 400, Currency: "USD"},
	} {
		if _, err := k.e.PayFreightLeg(ctx, svcs, leg); err != nil {
			t.Fatal(err)
		}
	}
	payable := escrow.CarrierPayable("c-1", "USD")
	payment := func(id string, amount int64) app.CarrierPaymentInput {
		return app.CarrierPaymentInput{CarrierID: "c-1", PaymentID: id, Amount: amount, Currency: "USD", Note: "invoice 2026-11"}
	}
	for _, tc := range []struct {
		name     string
		caller   auth.Caller
		in       app.CarrierPaymentInput
		kind     apperr.Kind // the refusal, or KindUnknown for success
		replayed bool
		left     int64 // in the carrier's payable afterwards
	}{
		{name: "a service", caller: svcs, in: payment("p-1", 700), kind: apperr.KindPermissionDenied, left: 1000},
		{name: "a buyer", caller: buyer, in: payment("p-1", 700), kind: apperr.KindPermissionDenied, left: 1000},
		{name: "no payment id", caller: admin, in: payment("", 700), kind: apperr.KindInvalid, left: 1000},
		{name: "more than owed", caller: admin, in: payment("p-1", 1001), kind: apperr.KindFailedPrecondition, left: 1000},
		{name: "in part", caller: admin, in: payment("p-1", 700), left: 300},
		{name: "replay", caller: admin, in: payment("p-1", 700), replayed: true, left: 300},
		{name: "same id, another amount", caller: admin, in: payment("p-1", 300), kind: apperr.KindAlreadyExists, left: 300},
		{name: "replay with another note (the first one stays)", caller: admin, in: func() app.CarrierPaymentInput {
			in := payment("p-1", 700)
			in.Note = "invoice 2026-11, corrected"
			return in
		}(), replayed: true, left: 300},
		{name: "the rest", caller: admin, in: payment("p-2", 300), left: 0},
		{name: "nothing owed", caller: admin, in: payment("p-3", 1), kind: apperr.KindFailedPrecondition, left: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := k.e.RecordCarrierPayment(ctx, tc.caller, tc.in)
			switch {
			case tc.kind != apperr.KindUnknown && !apperr.IsKind(err, tc.kind):
				t.Errorf("err = %v, want kind %v", err, tc.kind)
			case tc.kind == apperr.KindUnknown && err != nil:
				t.Fatal(err)
			case tc.kind == apperr.KindUnknown && res.Replayed != tc.replayed:
				t.Errorf("replayed = %v, want %v", res.Replayed, tc.replayed)
			}
			if got := k.net(t, payable); got != tc.left {
				t.Errorf("the carrier's payable holds %d, want %d", got, tc.left)
			}
		})
	}
	if got := k.net(t, escrow.CarrierSettlement("c-1", "USD")); got != 1000 {
		t.Errorf("the carrier was paid %d, want 1000", got)
	}
	var n int
	if err := k.pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE subject = 'finance.carrier.paid' AND payload IS NOT NULL`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d finance.carrier.paid events, want one per payment (2)", n)
	}
	k.balanced(t)
}
