package app_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
	"github.com/crossdock/crossdock/simulators/partnersim"
)

func (f *payoutFixture) resolvePayout(payoutID, note string) (app.StoredPayout, error) {
	return f.trade.ResolvePayout(context.Background(), admin, app.PayoutResolutionInput{PartnerID: f.partner, PayoutID: payoutID, Note: note})
}

func (f *payoutFixture) dismissPayout(payoutID, note string) (app.StoredPayout, error) {
	return f.trade.ResolvePayout(context.Background(), admin, app.PayoutResolutionInput{PartnerID: f.partner, PayoutID: payoutID, Note: note,
		Dismiss: true})
}

// A payout covering an accepted line and a dismissed one waits: finance
// holds only the accepted line. The operator's resolution records it, the
// virtual account giving the accepted line's 2700 and the dismissed line's
// 2700 booked unallocated; finance down at that moment leaves the decision
// saved and the next round records it, once. Resolving again answers the
// payout as it is.
func TestResolvedPayoutIsRecordedBeyondTheCredits(t *testing.T) {
	f := newPayoutFixture(t, 0)
	f.expectLowerFees(t)
	f.sell(t)
	f.sell(t)
	f.rounds(t, 3)
	lines, _, err := f.store.ListLines(context.Background(), app.LineFilter{PartnerID: f.partner, Limit: 10})
	if err != nil || len(lines) != 2 {
		t.Fatalf("lines %+v, %v; want two mismatches", lines, err)
	}
	if _, err := f.resolve(lines[0].LineID, domain.ResolutionAccept, "Their 10 % is right."); err != nil {
		t.Fatal(err)
	}
	if _, err := f.resolve(lines[1].LineID, domain.ResolutionDismiss, "A test order on their side; not a sale of ours."); err != nil {
		t.Fatal(err)
	}
	payouts := f.market.PayOut()
	if len(payouts) != 1 || payouts[0].AmountMinor != 5400 {
		t.Fatalf("payouts %+v, want one of both lines' 5400", payouts)
	}
	id := payouts[0].PayoutID
	key := f.partner.String() + "|" + id
	f.rounds(t, 3)
	if waiting := f.payouts(t, app.PayoutWaiting); len(waiting) != 1 || waiting[0].Resolution != nil || waiting[0].LastError == "" {
		t.Fatalf("waiting payouts %+v, want %s refused by finance", waiting, id)
	}

	_, err = f.resolvePayout(id, "")
	wantReason(t, err, apperr.KindInvalid, "")
	_, err = f.resolvePayout("po-nope", "Record it.")
	wantReason(t, err, apperr.KindNotFound, "")
	buyer := auth.Caller{Subject: "buyer-1", Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}}
	_, err = f.trade.ResolvePayout(context.Background(), buyer, app.PayoutResolutionInput{PartnerID: f.partner, PayoutID: id, Note: "Mine."})
	wantReason(t, err, apperr.KindPermissionDenied, "")

	note := "The dismissed line was paid out anyway; held unallocated until the partner claws it back."
	f.finance.down = true
	pending, err := f.resolvePayout(id, note)
	if err != nil {
		t.Fatal(err)
	}
	if pending.RecordedAt != nil || pending.Resolution == nil || pending.Resolution.Note != note || pending.Resolution.By != admin.Subject ||
		!pending.Resolution.At.Equal(f.clk.Now()) {
		t.Fatalf("resolved while finance is down: %+v (resolution %+v), want the decision saved, not recorded", pending, pending.Resolution)
	}
	f.finance.down = false
	f.rounds(t, 3)
	if n := f.finance.asked[key]; n == 0 || len(f.finance.recorded(f.partner)) != 1 {
		t.Fatalf("finance asked %d times, recorded %v", n, f.finance.recorded(f.partner))
	}
	if got := f.finance.unallocated[key]; got != 2700 {
		t.Errorf("finance booked %d unallocated, want the dismissed line's 2700", got)
	}
	if got := f.finance.balance(f.partner, "EUR"); got != 0 {
		t.Errorf("virtual account %d after the payout, want 0", got)
	}
	recorded := f.payouts(t, app.PayoutRecorded)
	if len(recorded) != 1 || recorded[0].RecordedAt == nil || recorded[0].Unallocated != 2700 || recorded[0].LastError != "" ||
		recorded[0].Resolution == nil || recorded[0].Resolution.Note != note {
		t.Fatalf("recorded payouts %+v", recorded)
	}
	if a := f.activity(t); a.PayoutsUnrecorded != 0 {
		t.Errorf("%d payouts unrecorded after the resolution", a.PayoutsUnrecorded)
	}

	asked := f.finance.asked[key]
	again, err := f.resolvePayout(id, "Once more, another note.")
	if err != nil {
		t.Fatal(err)
	}
	if again.Resolution.Note != note || again.Unallocated != 2700 || again.RecordedAt == nil {
		t.Errorf("resolving again answered %+v, want the payout as recorded", again)
	}
	f.rounds(t, 2)
	if n := f.finance.asked[key] - asked; n != 0 || f.finance.clashes != 0 {
		t.Errorf("finance asked %d more times (%d clashes) after the payout was recorded", n, f.finance.clashes)
	}
}

// A payout finance recorded from what was credited has nothing to resolve.
func TestResolvingARecordedPayoutIsRefused(t *testing.T) {
	f := newPayoutFixture(t, 0)
	f.sell(t)
	f.rounds(t, 3)
	payouts := f.market.PayOut()
	if len(payouts) != 1 {
		t.Fatalf("payouts %+v", payouts)
	}
	f.rounds(t, 3)
	if recorded := f.payouts(t, app.PayoutRecorded); !slices.ContainsFunc(recorded, func(p app.StoredPayout) bool { return p.PayoutID == payouts[0].PayoutID }) {
		t.Fatalf("recorded payouts %+v", recorded)
	}
	_, err := f.resolvePayout(payouts[0].PayoutID, "Record it beyond the credits.")
	wantReason(t, err, apperr.KindFailedPrecondition, "PAYOUT_RECORDED")
	if p, err := f.store.GetPayout(context.Background(), f.partner, payouts[0].PayoutID); err != nil || p.Resolution != nil || p.Unallocated != 0 {
		t.Errorf("after the refusal the payout is %+v, %v; want it unchanged", p, err)
	}
	// A refusal saved late (a round that asked finance while the payout was
	// being recorded) never unrecords it.
	recordedAt := f.payouts(t, app.PayoutRecorded)[0].RecordedAt
	if err := f.store.SavePayoutRecord(context.Background(), f.partner, payouts[0].PayoutID, nil, 0, "the withdrawal exceeds the partner virtual account"); err != nil {
		t.Fatal(err)
	}
	if p, err := f.store.GetPayout(context.Background(), f.partner, payouts[0].PayoutID); err != nil || p.RecordedAt == nil ||
		!p.RecordedAt.Equal(*recordedAt) || p.LastError != "" {
		t.Errorf("after a late refusal the payout is %+v, %v; want it recorded as it was", p, err)
	}
}

// Payouts docking cannot read (one in a currency nobody knows, one without
// an id, one of nothing) are kept unreadable, for an operator, beside the
// payouts read whole, and never recorded: the round goes on and records the
// others. One the partner sends again whole, or whose kept form reads whole
// once our reading is fixed, is recorded like any other. An operator
// dismisses an unreadable payout, which then stays so, and cannot record
// one; a dismissal of one read whole since the operator looked is refused,
// never taken as a recording. Before, such a payout failed its page every
// round, and the partner's payout pull stopped there.
func TestAnUnreadablePayoutIsKeptAsideForAnOperator(t *testing.T) {
	ctx := context.Background()
	f := newPayoutFixture(t, 0)
	f.sell(t)
	f.rounds(t, 3) // the line is matched and credited: the account holds 2700
	at := f.clk.Now()
	fixed := partnersim.Payout{PayoutID: "pay-fixed", Currency: "ZZZ", AmountMinor: 2700, PaidAt: at}
	bad := partnersim.Payout{PayoutID: "pay-bad", Currency: "ZZZ", AmountMinor: 100, PaidAt: at}
	for _, p := range []partnersim.Payout{bad, fixed,
		{Currency: "EUR", AmountMinor: 100, PaidAt: at},
		{PayoutID: "pay-zero", Currency: "EUR", PaidAt: at},
		{PayoutID: "pay-reread", Currency: "ZZZ", AmountMinor: 9000, PaidAt: at}} {
		f.market.BookPayout(p)
	}
	f.rounds(t, 3)
	unreadable := f.payouts(t, app.PayoutUnreadable)
	if len(unreadable) != 5 {
		t.Fatalf("%d unreadable payouts: %+v; want all five", len(unreadable), unreadable)
	}
	for _, p := range unreadable {
		if len(p.Problems) == 0 || p.RecordedAt != nil || len(p.Raw) == 0 {
			t.Errorf("unreadable payout %+v, want its problems and the payout as sent, not recorded", p)
		}
		if p.PayoutID != "pay-bad" && p.PayoutID != "pay-fixed" && p.PayoutID != "pay-zero" && p.PayoutID != "pay-reread" &&
			!strings.HasPrefix(p.PayoutID, domain.ContentIDPrefix) {
			t.Errorf("the payout without an id is kept as %q", p.PayoutID)
		}
	}
	if n := len(f.finance.recorded(f.partner)); n != 0 || len(f.finance.asked) != 0 {
		t.Fatalf("finance recorded %d payouts and was asked %v, want nothing of unreadable payouts", n, f.finance.asked)
	}
	wantFailing(t, f, map[string]int64{"unreadable": 5})

	// Our reading improves (here: what was kept of it now reads whole), and
	// the partner corrects another: both are recorded, or wait for finance.
	if _, err := f.pool.Exec(ctx, `UPDATE partner_payouts SET raw = jsonb_set(raw, '{amount,currencyCode}', '"EUR"')
		WHERE payout_id = 'pay-reread'`); err != nil {
		t.Fatal(err)
	}
	fixed.Currency = "EUR"
	f.market.BookPayout(fixed)
	f.rounds(t, 2)
	if p := f.payout(t, "pay-fixed"); p.State() != app.PayoutRecorded || len(p.Problems) != 0 || p.Amount.Currency != "EUR" || p.Amount.Amount != 2700 {
		t.Fatalf("the corrected payout: %+v; want recorded at 2700 EUR", p)
	}
	if p := f.payout(t, "pay-reread"); p.State() != app.PayoutWaiting || len(p.Problems) != 0 || p.LastError == "" {
		t.Fatalf("the payout read whole again: %+v; want waiting for finance, which holds less", p)
	}
	wantFailing(t, f, map[string]int64{"unreadable": 3, "unrecorded": 1})
	if a := f.activity(t); a.PayoutsUnrecorded != 4 {
		t.Errorf("%d payouts unrecorded, want the 3 unreadable and the waiting one", a.PayoutsUnrecorded)
	}

	// A dismissal decided while the waiting payout was unreadable.
	_, err := f.dismissPayout("pay-reread", "Garbage.")
	wantReason(t, err, apperr.KindFailedPrecondition, "PAYOUT_READABLE")
	if p := f.payout(t, "pay-reread"); p.Resolution != nil || p.RecordedAt != nil {
		t.Fatalf("the refused dismissal was saved or recorded: %+v", p)
	}
	_, err = f.resolvePayout("pay-bad", "Record it anyway.")
	wantReason(t, err, apperr.KindFailedPrecondition, "PAYOUT_UNREADABLE")
	_, err = f.dismissPayout("pay-fixed", "Garbage.")
	wantReason(t, err, apperr.KindFailedPrecondition, "PAYOUT_RECORDED")

	note := "A duplicate of a bank transfer the partner confirmed by mail; nothing to record."
	dismissed, err := f.dismissPayout("pay-bad", note)
	if err != nil || dismissed.State() != app.PayoutDismissed || dismissed.Resolution == nil || dismissed.Resolution.Note != note || dismissed.RecordedAt != nil {
		t.Fatalf("dismissing the unreadable payout: %+v, %v", dismissed, err)
	}
	if again, err := f.dismissPayout("pay-bad", "Another note."); err != nil || again.State() != app.PayoutDismissed || again.Resolution.Note != note {
		t.Fatalf("dismissing it again: %+v, %v; want it answered as it is", again, err)
	}
	// The partner sends it whole now: dismissed, it stays so.
	bad.Currency = "EUR"
	f.market.BookPayout(bad)
	f.rounds(t, 2)
	if p := f.payout(t, "pay-bad"); p.State() != app.PayoutDismissed {
		t.Fatalf("the dismissed payout sent again whole: %+v; want still dismissed", p)
	}
	if _, asked := f.finance.asked[f.partner.String()+"|pay-bad"]; asked {
		t.Error("finance was asked to record the dismissed payout")
	}
	wantFailing(t, f, map[string]int64{"unreadable": 2, "unrecorded": 1})
	if a := f.activity(t); a.PayoutsUnrecorded != 3 {
		t.Errorf("%d payouts unrecorded, want the 2 unreadable and the waiting one", a.PayoutsUnrecorded)
	}
	if all := f.payouts(t, ""); len(all) != 5 {
		t.Errorf("%d payouts, want 5: each kept once", len(all))
	}
	// Operators page through the unreadable ones.
	first, next, err := f.store.ListPayouts(ctx, app.PayoutFilter{PartnerID: f.partner, State: app.PayoutUnreadable, Limit: 1})
	if err != nil || len(first) != 1 || next == "" {
		t.Fatalf("the first page of unreadable payouts: %d, %q, %v", len(first), next, err)
	}
	if second, _, err := f.store.ListPayouts(ctx, app.PayoutFilter{PartnerID: f.partner, State: app.PayoutUnreadable, Limit: 1, Page: next}); err != nil ||
		len(second) != 1 || second[0].PayoutID == first[0].PayoutID {
		t.Errorf("the second page of unreadable payouts: %+v, %v", second, err)
	}
	// The token is bound to its filter: the list of every state would start
	// at its place and skip the payouts before it.
	if _, _, err := f.store.ListPayouts(ctx, app.PayoutFilter{PartnerID: f.partner, Limit: 1, Page: next}); !apperr.IsKind(err, apperr.KindInvalid) {
		t.Errorf("another filter's token: %v, want InvalidArgument", err)
	}
}

// payout returns one of the partner's payouts as docking stored it.
func (f *payoutFixture) payout(t *testing.T, id string) app.StoredPayout {
	t.Helper()
	p, err := f.store.GetPayout(context.Background(), f.partner, id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// wantFailing checks the failing-steps gauge of partner payouts by kind.
func wantFailing(t *testing.T, f *payoutFixture, want map[string]int64) {
	t.Helper()
	failing, err := f.store.FailingPartnerPayouts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, s := range failing {
		got[s.Kind] = s.Count
	}
	if !maps.Equal(got, want) {
		t.Errorf("failing payouts %v, want %v", got, want)
	}
}
