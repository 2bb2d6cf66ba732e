package app_test

import (
	"context"
	"slices"
	"testing"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

func (f *payoutFixture) resolvePayout(payoutID, note string) (app.StoredPayout, error) {
	return f.trade.ResolvePayout(context.Background(), admin, app.PayoutResolutionInput{PartnerID: f.partner, PayoutID: payoutID, Note: note})
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
