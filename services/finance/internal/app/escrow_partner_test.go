package app_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain/escrow"
)

// A partner line leaves what the partner owes us in the partner virtual
// account (an asset: its net is negative); withdrawals take it out, part by
// part, never more than it holds, each once.
func TestRecordPartnerWithdrawal(t *testing.T) {
	k := newEscrowKit(t)
	if _, err := k.e.CreditPartnerSettlement(ctx, svcs, app.PartnerCreditInput{PartnerID: "p-1", LineID: "l-1", SupplierOrgID: "org-1", Currency: "EUR", Gross: 10000, Fees: 200}); err != nil {
		t.Fatal(err)
	}
	virtual := escrow.PartnerVirtual("p-1", "EUR")
	if got := -k.net(t, virtual); got != 9800 {
		t.Fatalf("the virtual account holds %d after the line, want the gross less fees 9800", got)
	}
	if got := k.net(t, escrow.PartnerFees("p-1", "EUR")); got != 200 {
		t.Errorf("partner fees %d, want 200", got)
	}
	withdrawal := func(id string, amount int64) app.PartnerWithdrawalInput {
		return app.PartnerWithdrawalInput{PartnerID: "p-1", WithdrawalID: id, Amount: amount, Currency: "EUR"}
	}
	for _, tc := range []struct {
		name     string
		caller   auth.Caller
		in       app.PartnerWithdrawalInput
		kind     apperr.Kind // the refusal, or KindUnknown for success
		replayed bool
		held     int64 // in the virtual account afterwards
	}{
		{name: "a buyer", caller: auth.Caller{Subject: "buyer-1", Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}}, in: withdrawal("w-1", 100), kind: apperr.KindPermissionDenied, held: 9800},
		{name: "an admin", caller: admin, in: withdrawal("w-1", 100), kind: apperr.KindPermissionDenied, held: 9800},
		{name: "no amount", caller: svcs, in: withdrawal("w-1", 0), kind: apperr.KindInvalid, held: 9800},
		{name: "more than held", caller: svcs, in: withdrawal("w-1", 9801), kind: apperr.KindFailedPrecondition, held: 9800},
		{name: "part", caller: svcs, in: withdrawal("w-1", 6000), held: 3800},
		{name: "replay", caller: svcs, in: withdrawal("w-1", 6000), replayed: true, held: 3800},
		{name: "same id, another amount", caller: svcs, in: withdrawal("w-1", 5000), kind: apperr.KindAlreadyExists, held: 3800},
		{name: "another currency than held", caller: svcs, in: app.PartnerWithdrawalInput{PartnerID: "p-1", WithdrawalID: "w-2", Amount: 1, Currency: "USD"}, kind: apperr.KindFailedPrecondition, held: 3800},
		{name: "the rest", caller: svcs, in: withdrawal("w-3", 3800), held: 0},
		{name: "one more", caller: svcs, in: withdrawal("w-4", 1), kind: apperr.KindFailedPrecondition, held: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := k.e.RecordPartnerWithdrawal(ctx, tc.caller, tc.in)
			switch {
			case tc.kind != apperr.KindUnknown && !apperr.IsKind(err, tc.kind):
				t.Errorf("err = %v, want kind %v", err, tc.kind)
			case tc.kind == apperr.KindUnknown && err != nil:
				t.Fatal(err)
			case tc.kind == apperr.KindUnknown && res.Replayed != tc.replayed:
				t.Errorf("replayed = %v, want %v", res.Replayed, tc.replayed)
			}
			if got := -k.net(t, virtual); got != tc.held {
				t.Errorf("the virtual account holds %d, want %d", got, tc.held)
			}
		})
	}
	if got := k.net(t, escrow.Payout("EUR")); got != -9800 {
		t.Errorf("the platform's bank received %d, want 9800", -got)
	}
	var n int
	if err := k.pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE subject = 'finance.partner.withdrawn'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d finance.partner.withdrawn events, want one per withdrawal (2)", n)
	}
	k.balanced(t)
}

// A payout covering more than was credited (a line an operator dismissed)
// is recorded when the excess is to be booked unallocated: the virtual
// account gives what it holds, the rest lands in the partner's unallocated
// receipts, once; a retry answers the first split even after the virtual
// account has grown.
func TestRecordPartnerWithdrawalBeyondCredits(t *testing.T) {
	k := newEscrowKit(t)
	credit := func(line string, gross int64) {
		t.Helper()
		if _, err := k.e.CreditPartnerSettlement(ctx, svcs, app.PartnerCreditInput{PartnerID: "p-1", LineID: line, SupplierOrgID: "org-1", Currency: "EUR", Gross: gross}); err != nil {
			t.Fatal(err)
		}
	}
	credit("l-1", 3000)
	virtual, unallocated := escrow.PartnerVirtual("p-1", "EUR"), escrow.PartnerUnallocated("p-1", "EUR")
	payout := app.PartnerWithdrawalInput{PartnerID: "p-1", WithdrawalID: "po-1", Amount: 5000, Currency: "EUR"}

	if _, err := k.e.RecordPartnerWithdrawal(ctx, svcs, payout); !apperr.IsKind(err, apperr.KindFailedPrecondition) {
		t.Fatalf("a payout beyond the credits without the operator's decision: err = %v, want FailedPrecondition", err)
	}
	payout.ExcessUnallocated = true
	res, err := k.e.RecordPartnerWithdrawal(ctx, svcs, payout)
	if err != nil || res.Replayed || res.Unallocated != 2000 {
		t.Fatalf("payout = %+v, %v; want 2000 unallocated", res, err)
	}
	if got := -k.net(t, virtual); got != 0 {
		t.Errorf("the virtual account holds %d, want 0", got)
	}
	if got := k.net(t, unallocated); got != 2000 {
		t.Errorf("unallocated receipts %d, want 2000", got)
	}
	credit("l-2", 1000) // the account holds more now; the split stays the first one
	again, err := k.e.RecordPartnerWithdrawal(ctx, svcs, payout)
	if err != nil || !again.Replayed || again.Unallocated != 2000 || again.Transfers[0].ID != res.Transfers[0].ID {
		t.Fatalf("retry = %+v, %v; want the first split replayed", again, err)
	}
	if got := -k.net(t, virtual); got != 1000 {
		t.Errorf("after the retry the virtual account holds %d, want the new line's 1000", got)
	}
	covered, err := k.e.RecordPartnerWithdrawal(ctx, svcs, app.PartnerWithdrawalInput{PartnerID: "p-1", WithdrawalID: "po-2", Amount: 1000, Currency: "EUR", ExcessUnallocated: true})
	if err != nil || covered.Unallocated != 0 || len(covered.Transfers) != 1 {
		t.Fatalf("a payout the account holds = %+v, %v; want all of it from the virtual account", covered, err)
	}
	if got := k.net(t, unallocated); got != 2000 {
		t.Errorf("unallocated receipts %d, want still 2000", got)
	}
	if got := k.net(t, escrow.Payout("EUR")); got != -6000 {
		t.Errorf("the platform's bank received %d, want both payouts 6000", -got)
	}
	k.balanced(t)
}

// What a resolved payout booked unallocated leaves only by an admin's
// allocation: to revenue or back to the partner, each once, never more than
// the receipts hold, the note written with the transfer.
func TestAllocatePartnerReceipts(t *testing.T) {
	k := newEscrowKit(t)
	if _, err := k.e.RecordPartnerWithdrawal(ctx, svcs, app.PartnerWithdrawalInput{PartnerID: "p-1", WithdrawalID: "po-1", Amount: 2000,
		Currency: "EUR", ExcessUnallocated: true}); err != nil {
		t.Fatal(err)
	}
	unallocated := escrow.PartnerUnallocated("p-1", "EUR")
	if got := k.net(t, unallocated); got != 2000 {
		t.Fatalf("unallocated receipts %d, want 2000", got)
	}
	allocation := func(id string, amount int64, to escrow.ReceiptAllocation) app.PartnerAllocationInput {
		return app.PartnerAllocationInput{PartnerID: "p-1", AllocationID: id, Amount: amount, Currency: "EUR", To: to,
			Note: "Agreed with the partner's account manager."}
	}
	for _, tc := range []struct {
		name     string
		caller   auth.Caller
		in       app.PartnerAllocationInput
		kind     apperr.Kind // the refusal, or KindUnknown for success
		replayed bool
		left     int64 // in the unallocated receipts afterwards
	}{
		{name: "a service", caller: svcs, in: allocation("a-1", 500, escrow.AllocateToRevenue), kind: apperr.KindPermissionDenied, left: 2000},
		{name: "no note", caller: admin, in: app.PartnerAllocationInput{PartnerID: "p-1", AllocationID: "a-1", Amount: 500, Currency: "EUR",
			To: escrow.AllocateToRevenue}, kind: apperr.KindInvalid, left: 2000},
		{name: "more than held", caller: admin, in: allocation("a-1", 2001, escrow.AllocateToRevenue), kind: apperr.KindFailedPrecondition, left: 2000},
		{name: "to revenue", caller: admin, in: allocation("a-1", 500, escrow.AllocateToRevenue), left: 1500},
		{name: "replay", caller: admin, in: allocation("a-1", 500, escrow.AllocateToRevenue), replayed: true, left: 1500},
		{name: "same id, another amount", caller: admin, in: allocation("a-1", 400, escrow.AllocateToRevenue), kind: apperr.KindAlreadyExists, left: 1500},
		{name: "back to the partner", caller: admin, in: allocation("a-2", 1500, escrow.AllocateToPartner), left: 0},
		{name: "nothing left", caller: admin, in: allocation("a-3", 1, escrow.AllocateToPartner), kind: apperr.KindFailedPrecondition, left: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := k.e.AllocatePartnerReceipts(ctx, tc.caller, tc.in)
			switch {
			case tc.kind != apperr.KindUnknown && !apperr.IsKind(err, tc.kind):
				t.Errorf("err = %v, want kind %v", err, tc.kind)
			case tc.kind == apperr.KindUnknown && err != nil:
				t.Fatal(err)
			case tc.kind == apperr.KindUnknown && res.Replayed != tc.replayed:
				t.Errorf("replayed = %v, want %v", res.Replayed, tc.replayed)
			}
			if got := k.net(t, unallocated); got != tc.left {
				t.Errorf("unallocated receipts %d, want %d", got, tc.left)
			}
		})
	}
	if got := k.net(t, escrow.Revenue("EUR")); got != 500 {
		t.Errorf("revenue %d, want the 500 allocated to it", got)
	}
	if got := k.net(t, escrow.PartnerSettlement("p-1", "EUR")); got != 1500 {
		t.Errorf("the partner's settlement source received %d, want the 1500 paid back to it", got)
	}
	var n int
	if err := k.pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE subject = 'finance.partner.receipts_allocated'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d finance.partner.receipts_allocated events, want one per allocation (2)", n)
	}
	k.balanced(t)
}

// A line's credit retried after the supplier's commission changed (a credit
// cut short by a crash, retried once finance is back) repeats the first
// command: the first split, nothing moved twice, nothing refused. A new
// line takes the new rate; another body under the same line is still
// refused.
func TestPartnerCreditRetriedAfterTheRateChanged(t *testing.T) {
	k := newEscrowKit(t)
	org := uuid.NewString()
	line := func(partner, id string, gross int64) app.PartnerCreditInput {
		return app.PartnerCreditInput{PartnerID: partner, LineID: id, SupplierOrgID: org, Currency: "EUR", Gross: gross, Fees: 200}
	}
	first, err := k.e.CreditPartnerSettlement(ctx, svcs, line("p-1", "l-1", 10000))
	if err != nil || first.Commission != 500 {
		t.Fatalf("first credit: %+v, %v", first, err)
	}
	if err := k.e.SetCommissionRate(ctx, admin, org, 1000); err != nil {
		t.Fatal(err)
	}
	payable := escrow.SupplierPayable(org, "EUR")
	for _, tc := range []struct {
		name       string
		in         app.PartnerCreditInput
		kind       apperr.Kind // the refusal, or KindUnknown for success
		commission int64
		payable    int64 // the supplier's payable afterwards
	}{
		{name: "the retry", in: line("p-1", "l-1", 10000), commission: 500, payable: 9300},
		{name: "the same line, another gross", in: line("p-1", "l-1", 9000), kind: apperr.KindAlreadyExists, payable: 9300},
		{name: "another partner's line of the same id", in: line("p-2", "l-1", 10000), commission: 1000, payable: 9300 + 8800},
		{name: "a new line", in: line("p-1", "l-2", 10000), commission: 1000, payable: 9300 + 2*8800},
		{name: "the new line again", in: line("p-1", "l-2", 10000), commission: 1000, payable: 9300 + 2*8800},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := k.e.CreditPartnerSettlement(ctx, svcs, tc.in)
			switch {
			case tc.kind != apperr.KindUnknown && !apperr.IsKind(err, tc.kind):
				t.Errorf("err = %v, want kind %v", err, tc.kind)
			case tc.kind == apperr.KindUnknown && err != nil:
				t.Fatal(err)
			case tc.kind == apperr.KindUnknown && plan.Commission != tc.commission:
				t.Errorf("commission %d, want %d", plan.Commission, tc.commission)
			}
			if got := k.net(t, payable); got != tc.payable {
				t.Errorf("the supplier's payable is %d, want %d", got, tc.payable)
			}
		})
	}
	var n int
	if err := k.pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE subject = 'finance.partner.credited'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("%d finance.partner.credited events, want one per line credited (3)", n)
	}
	k.balanced(t)
}

// A commission set for an organization id spelt otherwise than settlement
// spells it (capitals, spaces) applies all the same; one that is no id is
// refused on the field. Before, it was stored as typed, answered OK, and
// never found: the supplier paid the default commission.
func TestACommissionRateIsSetUnderTheCanonicalID(t *testing.T) {
	k := newEscrowKit(t)
	org := uuid.NewString()
	if err := k.e.SetCommissionRate(ctx, admin, " "+strings.ToUpper(org)+" ", 1000); err != nil {
		t.Fatal(err)
	}
	credit, err := k.e.CreditPartnerSettlement(ctx, svcs, app.PartnerCreditInput{PartnerID: "p-1", LineID: "l-1", SupplierOrgID: org,
		Currency: "EUR", Gross: 10000, Fees: 200})
	if err != nil || credit.Commission != 1000 {
		t.Errorf("credit = %+v, %v; want the 1000 set", credit, err)
	}
	err = k.e.SetCommissionRate(ctx, admin, "org-1", 1000)
	var e *apperr.Error
	if !errors.As(err, &e) || e.Kind != apperr.KindInvalid || len(e.Violations) != 1 || e.Violations[0].Field != "supplier_org_id" {
		t.Errorf("an id that is no UUID: %v, want InvalidArgument on supplier_org_id", err)
	}
}

// A partner's settlement line id and a carrier's leg id are theirs to
// choose, of any length: a long one still credits, or pays, once. Before,
// its ledger key passed the ledger's 200-byte bound and was refused for
// good, leaving the line uncredited and the leg unpaid.
func TestLongPartnerLineAndLegIDsMoveMoneyOnce(t *testing.T) {
	k := newEscrowKit(t)
	line := strings.Repeat("L", 250) + "/" + uuid.NewString()
	for range 2 {
		if _, err := k.e.CreditPartnerSettlement(ctx, svcs, app.PartnerCreditInput{PartnerID: "p-1", LineID: line, SupplierOrgID: "org-1",
			Currency: "EUR", Gross: 10000, Fees: 200}); err != nil {
			t.Fatalf("a line with a %d-character id: %v", len(line), err)
		}
	}
	if got := -k.net(t, escrow.PartnerVirtual("p-1", "EUR")); got != 9800 {
		t.Errorf("the virtual account holds %d, want one line's 9800", got)
	}
	k.payTwoUSD(t, "org-2")
	leg := escrow.FreightLeg{SubOrderID: "s-1", LegID: "c-1:" + strings.Repeat("W", 240) + "-3", CarrierID: "c-1", Amount: 600, Currency: "USD"}
	for range 2 {
		if _, err := k.e.PayFreightLeg(ctx, svcs, leg); err != nil {
			t.Fatalf("a leg with a %d-character id: %v", len(leg.LegID), err)
		}
	}
	if got := k.net(t, escrow.CarrierPayable("c-1", "USD")); got != 600 {
		t.Errorf("the carrier's payable holds %d, want one leg's 600", got)
	}
	k.balanced(t)
}
