package app_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
	"github.com/crossdock/crossdock/simulators/partnersim"
)

// expectLowerFees registers the partner with a commission of 8 % while it
// charges 10 %: its lines then say fees of 300 on 3000 where docking
// expects 240, a mismatch.
func (f *payoutFixture) expectLowerFees(t *testing.T) {
	t.Helper()
	if _, err := f.partners.UpdatePartner(context.Background(), f.partner, func(p *domain.Partner) error {
		p.CommissionBPS = 800
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// line returns the partner's only settlement line as docking stored it.
func (f *payoutFixture) line(t *testing.T) app.StoredLine {
	t.Helper()
	lines, _, err := f.store.ListLines(context.Background(), app.LineFilter{PartnerID: f.partner, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 1 {
		t.Fatalf("%d settlement lines, want 1", len(lines))
	}
	return lines[0]
}

func (f *payoutFixture) resolve(lineID string, r domain.Resolution, note string) (app.StoredLine, error) {
	return f.trade.ResolveLine(context.Background(), admin, app.LineResolutionInput{PartnerID: f.partner, LineID: lineID, Resolution: r, Note: note})
}

func (f *payoutFixture) activity(t *testing.T) app.Activity {
	t.Helper()
	a, err := f.store.Activity(context.Background(), f.partner, f.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// payouts lists the partner's payouts as an operator does.
func (f *payoutFixture) payouts(t *testing.T, state string) []app.StoredPayout {
	t.Helper()
	list, _, err := f.trade.ListPayouts(context.Background(), admin, app.PayoutFilter{PartnerID: f.partner, State: state, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func wantReason(t *testing.T, err error, kind apperr.Kind, reason string) {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || e.Kind != kind || (reason != "" && e.Reason != reason) {
		t.Fatalf("error %v, want %v %s", err, kind, reason)
	}
}

// A mismatch the operator accepts is credited as the partner stated it,
// through the matched lines' split and keys, with what docking expected
// kept beside it; the payout that covered it, refused until then, is
// recorded by the next round, once. Resolving it again the same way
// answers the same and credits nothing more; the other way is refused.
func TestAcceptedMismatchIsCreditedAndItsPayoutRecorded(t *testing.T) {
	f := newPayoutFixture(t, 0)
	f.expectLowerFees(t)
	f.sell(t)
	f.rounds(t, 3)
	l := f.line(t)
	if l.State != domain.SettlementMismatch || l.Expected.FeesMinor != 240 || l.Fees.Amount != 300 || l.Gross.Amount != 3000 {
		t.Fatalf("line %+v, want a mismatch of fees 300 where 240 was expected", l)
	}
	payouts := f.market.PayOut()
	if len(payouts) != 1 || payouts[0].AmountMinor != 2700 {
		t.Fatalf("payouts %+v", payouts)
	}
	id := payouts[0].PayoutID
	f.rounds(t, 3)
	if rows := f.stored(t); rows[id].recorded {
		t.Fatalf("payout %s recorded though its line was never credited", id)
	}
	waiting := f.payouts(t, app.PayoutWaiting)
	if len(waiting) != 1 || waiting[0].PayoutID != id || waiting[0].Amount.Amount != 2700 || !strings.Contains(waiting[0].LastError, "exceeds") {
		t.Fatalf("waiting payouts %+v, want %s with finance's refusal", waiting, id)
	}
	if a := f.activity(t); a.LinesUnreconciled != 1 || a.PayoutsUnrecorded != 1 {
		t.Fatalf("activity before: %d lines unreconciled, %d payouts unrecorded", a.LinesUnreconciled, a.PayoutsUnrecorded)
	}

	accepted, err := f.resolve(l.LineID, domain.ResolutionAccept, "The partner's 10 % is right; our terms are out of date.")
	if err != nil {
		t.Fatal(err)
	}
	if accepted.State != domain.SettlementAccepted || accepted.CreditedAt == nil || accepted.Resolution == nil ||
		accepted.Resolution.From != domain.SettlementMismatch || accepted.Resolution.By != admin.Subject ||
		!strings.HasPrefix(accepted.Resolution.Note, "The partner's 10 %") || !accepted.Resolution.At.Equal(f.clk.Now()) {
		t.Fatalf("accepted line %+v (resolution %+v)", accepted, accepted.Resolution)
	}
	if accepted.Expected.FeesMinor != 240 || accepted.Expected.GrossMinor != 3000 || accepted.Fees.Amount != 300 {
		t.Errorf("accepted line keeps expected %+v and stated fees %d, want 240 expected beside 300 stated", accepted.Expected, accepted.Fees.Amount)
	}
	sub := f.orders.placed["partner:payer|"+l.PartnerOrderID].SubOrders[0]
	credit, ok := f.finance.credits[f.partner.String()+"|"+l.LineID+"/"+sub.SubOrderID]
	if len(f.finance.credits) != 1 || !ok || credit.GrossMinor != 3000 || credit.FeesMinor != 300 || credit.SupplierID != sub.SupplierID {
		t.Fatalf("finance credited %+v, want one part of 3000 less 300 under the line and its sub-order", f.finance.credits)
	}
	if got := f.finance.balance(f.partner, "EUR"); got != 2700 {
		t.Fatalf("virtual account %d after the accept, want 2700", got)
	}

	again, err := f.resolve(l.LineID, domain.ResolutionAccept, "Accepting once more.")
	if err != nil {
		t.Fatal(err)
	}
	if again.Resolution == nil || again.Resolution.Note != accepted.Resolution.Note || again.State != domain.SettlementAccepted {
		t.Errorf("the same resolution again answered %+v, want the first", again.Resolution)
	}
	_, err = f.resolve(l.LineID, domain.ResolutionDismiss, "Changed my mind.")
	wantReason(t, err, apperr.KindFailedPrecondition, "LINE_RESOLVED_OTHERWISE")
	if got := f.finance.balance(f.partner, "EUR"); got != 2700 || f.finance.clashes != 0 {
		t.Fatalf("virtual account %d (%d clashes) after resolving again, want 2700 credited once", got, f.finance.clashes)
	}

	asked := f.finance.asked[f.partner.String()+"|"+id]
	f.rounds(t, 5)
	if recorded := f.finance.recorded(f.partner); len(recorded) != 1 || recorded[id].Amount != 2700 {
		t.Fatalf("finance recorded %v after the accept, want %s", recorded, id)
	}
	if n := f.finance.asked[f.partner.String()+"|"+id] - asked; n != 1 {
		t.Errorf("finance asked %d times to record %s after the accept, want once", n, id)
	}
	if got := f.finance.balance(f.partner, "EUR"); got != 0 {
		t.Errorf("virtual account %d after the payout, want 0", got)
	}
	if a := f.activity(t); a.LinesUnreconciled != 0 || a.PayoutsUnrecorded != 0 || a.LinesUncredited != 0 {
		t.Errorf("activity after: %d lines unreconciled, %d uncredited, %d payouts unrecorded", a.LinesUnreconciled, a.LinesUncredited, a.PayoutsUnrecorded)
	}
	if recorded := f.payouts(t, app.PayoutRecorded); len(recorded) != 1 || recorded[0].RecordedAt == nil || recorded[0].LastError != "" {
		t.Errorf("recorded payouts %+v", recorded)
	}
	if l := f.line(t); l.State != domain.SettlementAccepted || l.Resolution == nil || l.CreditedAt == nil {
		t.Errorf("listed line %+v", l)
	}
}

// An accept whose credit answer is lost keeps the decision and answers the
// line not credited yet; the next round credits it again under the same
// keys, so finance holds it once.
func TestAcceptedLineCreditedOnceAfterALostAnswer(t *testing.T) {
	f := newPayoutFixture(t, 0)
	f.expectLowerFees(t)
	f.sell(t)
	f.rounds(t, 3)
	l := f.line(t)
	f.finance.lose = 1
	accepted, err := f.resolve(l.LineID, domain.ResolutionAccept, "Agreed with the partner.")
	if err != nil {
		t.Fatal(err)
	}
	if accepted.State != domain.SettlementAccepted || accepted.CreditedAt != nil {
		t.Fatalf("line %+v after a lost answer, want accepted and not credited yet", accepted)
	}
	if a := f.activity(t); a.LinesUncredited != 1 || a.LinesUnreconciled != 0 {
		t.Fatalf("activity: %d lines uncredited, %d unreconciled, want 1 and 0", a.LinesUncredited, a.LinesUnreconciled)
	}
	f.rounds(t, 2)
	if l := f.line(t); l.CreditedAt == nil {
		t.Fatal("the round did not credit the accepted line")
	}
	if got := f.finance.balance(f.partner, "EUR"); got != 2700 || len(f.finance.credits) != 1 || f.finance.clashes != 0 {
		t.Fatalf("virtual account %d, %d parts, %d clashes: want 2700 credited once", got, len(f.finance.credits), f.finance.clashes)
	}
}

// A line finance refuses to credit for good does not hold up the others:
// they are credited in the same rounds, and it stays due (not credited)
// for the next, marked refused (so it queues behind the lines never
// refused).
func TestALineRefusedForGoodDoesNotStopTheOthers(t *testing.T) {
	f := newPayoutFixture(t, 0)
	f.finance.refuseOneLine = true
	for range 3 {
		f.sell(t)
	}
	f.rounds(t, 3)
	f.rounds(t, 2) // again, with the refused line due
	rows, err := f.pool.Query(context.Background(), `SELECT line_id, state, credited_at IS NOT NULL, credit_refused_at IS NOT NULL FROM settlement_lines`)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		id, state         string
		credited, refused bool
	}
	lines, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		return x, r.Scan(&x.id, &x.state, &x.credited, &x.refused)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 3 || f.finance.refusedLine == "" {
		t.Fatalf("%d lines, refused %q: want 3 lines and one refused", len(lines), f.finance.refusedLine)
	}
	for _, l := range lines {
		if want := l.id != f.finance.refusedLine; l.credited != want || l.refused == want || l.state != string(domain.SettlementMatched) {
			t.Errorf("line %s: %s, credited %v, refused %v; want matched, credited %v", l.id, l.state, l.credited, l.refused, want)
		}
	}
	if a := f.activity(t); a.LinesUncredited != 1 {
		t.Errorf("activity shows %d lines uncredited, want the refused one", a.LinesUncredited)
	}
}

// A line for an order docking never imported can be dismissed, not
// accepted; once dismissed it stays closed with no credit, even when the
// order shows up later, and a reconciliation read before the dismissal
// cannot overwrite it.
func TestDismissedMissingLineStaysClosed(t *testing.T) {
	f := newPayoutFixture(t, 30*time.Second)
	f.sell(t)
	f.rounds(t, 4)
	l := f.line(t)
	if l.State != domain.SettlementMissing {
		t.Fatalf("line %s, want missing within the order's visibility lag", l.State)
	}
	_, err := f.resolve(l.LineID, domain.ResolutionAccept, "Credit it anyway.")
	wantReason(t, err, apperr.KindFailedPrecondition, "LINE_ORDER_MISSING")

	dismissed, err := f.resolve(l.LineID, domain.ResolutionDismiss, "Not an order of ours: the partner booked it to our account by mistake.")
	if err != nil {
		t.Fatal(err)
	}
	if dismissed.State != domain.SettlementDismissed || dismissed.Resolution == nil || dismissed.Resolution.From != domain.SettlementMissing ||
		dismissed.CreditedAt != nil {
		t.Fatalf("dismissed line %+v", dismissed)
	}
	if a := f.activity(t); a.LinesUnreconciled != 0 {
		t.Errorf("%d lines unreconciled after the dismissal", a.LinesUnreconciled)
	}
	stale := l
	stale.State = domain.SettlementMatched
	if saved, err := f.store.SaveLineState(context.Background(), stale); err != nil || saved {
		t.Fatalf("a reconciliation read before the dismissal saved %v (%v), want refused", saved, err)
	}

	f.clk.Advance(30 * time.Second)
	f.rounds(t, 5)
	if len(f.orders.placed) != 1 {
		t.Fatalf("%d orders imported after the lag, want 1", len(f.orders.placed))
	}
	if l := f.line(t); l.State != domain.SettlementDismissed || l.Resolution == nil {
		t.Fatalf("line %+v once its order arrived, want still dismissed", l)
	}
	if len(f.finance.credits) != 0 {
		t.Fatalf("finance credited %+v for a dismissed line", f.finance.credits)
	}
	again, err := f.resolve(l.LineID, domain.ResolutionDismiss, "Dismissing again.")
	if err != nil || again.Resolution == nil || again.Resolution.Note != dismissed.Resolution.Note {
		t.Fatalf("dismissing again: %+v, %v", again.Resolution, err)
	}
}

// Matched lines are not resolved; an unknown line, another partner's line
// and an unknown partner are not found; only admins resolve and list
// payouts; bad input names its fields.
func TestResolveRefusals(t *testing.T) {
	f := newPayoutFixture(t, 0)
	f.sell(t)
	f.rounds(t, 3)
	l := f.line(t)
	if l.State != domain.SettlementMatched || l.CreditedAt == nil {
		t.Fatalf("line %+v, want matched and credited", l)
	}
	ctx := context.Background()
	other, err := domain.NewPartner(uuid.New(), domain.Partner{Name: "Other market", Code: "other", Protocol: domain.ProtocolStandardGRPC,
		Endpoint: "127.0.0.1:1", APIClientID: "other-client", Locales: []string{"en"}}, f.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := f.partners.CreatePartner(ctx, other); err != nil {
		t.Fatal(err)
	}
	note := "A note."
	for name, tt := range map[string]struct {
		c      auth.Caller
		in     app.LineResolutionInput
		kind   apperr.Kind
		reason string
	}{
		"a matched line": {admin, app.LineResolutionInput{PartnerID: f.partner, LineID: l.LineID, Resolution: domain.ResolutionDismiss, Note: note},
			apperr.KindFailedPrecondition, "LINE_MATCHED"},
		"an unknown line": {admin, app.LineResolutionInput{PartnerID: f.partner, LineID: "st-nope", Resolution: domain.ResolutionDismiss, Note: note},
			apperr.KindNotFound, ""},
		"another partner's line": {admin, app.LineResolutionInput{PartnerID: other.ID, LineID: l.LineID, Resolution: domain.ResolutionDismiss, Note: note},
			apperr.KindNotFound, ""},
		"an unknown partner": {admin, app.LineResolutionInput{PartnerID: uuid.New(), LineID: l.LineID, Resolution: domain.ResolutionDismiss, Note: note},
			apperr.KindNotFound, ""},
		"a supplier": {auth.Caller{Subject: "s", Kind: auth.KindUser, Roles: []string{auth.RoleSupplier}},
			app.LineResolutionInput{PartnerID: f.partner, LineID: l.LineID, Resolution: domain.ResolutionDismiss, Note: note}, apperr.KindPermissionDenied, "ADMINS_ONLY"},
		"no note": {admin, app.LineResolutionInput{PartnerID: f.partner, LineID: l.LineID, Resolution: domain.ResolutionDismiss},
			apperr.KindInvalid, ""},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := f.trade.ResolveLine(ctx, tt.c, tt.in)
			wantReason(t, err, tt.kind, tt.reason)
		})
	}
	_, _, err = f.trade.ListPayouts(ctx, auth.Caller{Subject: "b", Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}}, app.PayoutFilter{PartnerID: f.partner, Limit: 10})
	wantReason(t, err, apperr.KindPermissionDenied, "ADMINS_ONLY")
	if l := f.line(t); l.State != domain.SettlementMatched || l.Resolution != nil {
		t.Errorf("line %+v after the refusals, want untouched", l)
	}
	if len(f.finance.credits) != 1 {
		t.Errorf("%d parts credited, want the matched line's one", len(f.finance.credits))
	}
}

// Payouts page newest first, filtered by state.
func TestListPartnerPayoutsPages(t *testing.T) {
	f := newPayoutFixture(t, 0)
	var ids []string
	for range 3 {
		f.sell(t)
		f.rounds(t, 3)
		po := f.market.PayOut()
		if len(po) != 1 {
			t.Fatalf("payouts %+v", po)
		}
		ids = append(ids, po[0].PayoutID)
		f.clk.Advance(time.Second)
	}
	f.rounds(t, 3)
	var got []string
	page := ""
	for {
		list, next, err := f.trade.ListPayouts(context.Background(), admin, app.PayoutFilter{PartnerID: f.partner, Page: page, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range list {
			got = append(got, p.PayoutID)
		}
		if next == "" {
			break
		}
		page = next
	}
	slices.Reverse(ids)
	if !slices.Equal(got, ids) {
		t.Errorf("paged %v, want %v", got, ids)
	}
	if n := len(f.payouts(t, app.PayoutRecorded)); n != 3 {
		t.Errorf("%d recorded payouts, want 3", n)
	}
	if n := len(f.payouts(t, app.PayoutWaiting)); n != 0 {
		t.Errorf("%d waiting payouts, want 0", n)
	}
}

// A partner settles an order once: a second line for an order another
// line settled (a bill re-issued under a new id, with the same amounts) is
// a mismatch for an operator, expecting nothing more, and finance credits
// the order's goods once.
func TestASecondLineForASettledOrderIsNotCreditedAgain(t *testing.T) {
	f := newPayoutFixture(t, 0)
	f.sell(t)
	f.rounds(t, 3)
	first := f.line(t)
	if first.State != domain.SettlementMatched || first.CreditedAt == nil {
		t.Fatalf("the first line %+v, want matched and credited", first)
	}
	again := first.SettlementLine
	again.LineID = first.LineID + "-reissued"
	if err := f.store.SaveSettlementLine(context.Background(), app.StoredLine{PartnerID: f.partner, SettlementLine: again,
		State: app.LineNew, FirstSeenAt: f.clk.Now()}); err != nil {
		t.Fatal(err)
	}
	f.rounds(t, 2)
	second, err := f.store.GetLine(context.Background(), f.partner, again.LineID)
	if err != nil {
		t.Fatal(err)
	}
	if second.State != domain.SettlementMismatch || second.CreditedAt != nil || second.Expected.GrossMinor != 0 {
		t.Errorf("the re-issued line %+v, want a mismatch expecting nothing, not credited", second)
	}
	if got := f.finance.balance(f.partner, "EUR"); got != first.Gross.Amount-first.Fees.Amount || len(f.finance.credits) != 1 {
		t.Errorf("virtual account %d in %d credits, want %d credited once", got, len(f.finance.credits), first.Gross.Amount-first.Fees.Amount)
	}
}

// A bill the partner issues again, under a new line id, for an order
// another line settled is a mismatch nothing more was expected for; an
// operator may dismiss it but not accept it: accepted, its goods were
// credited a second time, the supplier paid the order twice.
func TestAReissuedLineForASettledOrderIsNotAccepted(t *testing.T) {
	f := newPayoutFixture(t, 0)
	f.sell(t)
	f.rounds(t, 3)
	first := f.line(t)
	if first.State != domain.SettlementMatched || first.CreditedAt == nil {
		t.Fatalf("the first line: %s, credited %v; want matched and credited", first.State, first.CreditedAt != nil)
	}
	ctx := context.Background()
	again := app.StoredLine{PartnerID: f.partner, SettlementLine: first.SettlementLine, State: app.LineNew, FirstSeenAt: f.clk.Now()}
	again.LineID = first.LineID + "-reissued"
	if err := f.store.SaveSettlementLine(ctx, again); err != nil {
		t.Fatal(err)
	}
	f.rounds(t, 2)
	credits := len(f.finance.credits)
	_, err := f.resolve(again.LineID, domain.ResolutionAccept, "the partner's figures")
	var e *apperr.Error
	if !errors.As(err, &e) || e.Reason != "ORDER_ALREADY_SETTLED" || e.Metadata["settled_by"] != first.LineID {
		t.Fatalf("accepting the re-issued line: %v; want FAILED_PRECONDITION ORDER_ALREADY_SETTLED naming %s", err, first.LineID)
	}
	if len(f.finance.credits) != credits {
		t.Errorf("finance was credited %d more lines", len(f.finance.credits)-credits)
	}
	if got, err := f.resolve(again.LineID, domain.ResolutionDismiss, "a duplicate of the settled bill"); err != nil || got.State != domain.SettlementDismissed {
		t.Errorf("dismissing it: %s, %v", got.State, err)
	}
}

// An order is settled on the partner's terms when it was placed: a line
// for an order imported before an operator changed the partner's
// commission matches on the commission of its import, instead of becoming
// a mismatch for every order placed before the change.
func TestALineIsReconciledOnTheTermsOfItsOrdersImport(t *testing.T) {
	f := newPayoutFixture(t, 0)
	o, err := f.market.PlaceOrder("b", partnersim.Address{Recipient: "E", CountryCode: "DE", City: "Berlin", Lines: []string{"1"}},
		[]partnersim.ItemInput{{Marker: f.marker, Quantity: 2}}, true)
	if err != nil {
		t.Fatal(err)
	}
	f.rounds(t, 2)
	if f.activity(t).OrdersImported != 1 {
		t.Fatal("the order was not imported")
	}
	f.expectLowerFees(t) // the commission now 8 %, the order's 10 %
	if _, err := f.market.ConfirmShipment(o.OrderID, nil, "dhl", "WB-"+o.OrderID); err != nil {
		t.Fatal(err)
	}
	f.rounds(t, 3)
	if l := f.line(t); l.State != domain.SettlementMatched || l.Expected.FeesMinor != 300 || l.CreditedAt == nil {
		t.Fatalf("the line %+v, want matched on the import's 10 %% (fees 300) and credited", l)
	}
	// An order imported after the change is settled on the new terms.
	next := f.sell(t)
	f.rounds(t, 3)
	lines, _, err := f.store.ListLines(context.Background(), app.LineFilter{PartnerID: f.partner, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		if l.PartnerOrderID == next.OrderID && (l.State != domain.SettlementMismatch || l.Expected.FeesMinor != 240) {
			t.Errorf("the later order's line %+v, want a mismatch expecting the new 8 %% (fees 240)", l)
		}
	}
}

// The round and an operator each check for a line that settled the order
// before deciding, but lock only their own line: deciding at once on two
// lines of one order, both found none. The store refuses the second line
// to settle an order whichever way it comes: the round's match is not
// saved (the line stays open, to be reconciled again), an operator's
// acceptance is ORDER_ALREADY_SETTLED naming the line that settled it.
func TestOnlyOneLineSettlesAnOrderWhenTwoAreDecidedAtOnce(t *testing.T) {
	f := newPayoutFixture(t, 0)
	f.sell(t)
	f.rounds(t, 3)
	first := f.line(t)
	if first.State != domain.SettlementMatched {
		t.Fatalf("the first line: %s, want matched", first.State)
	}
	ctx := context.Background()
	again := app.StoredLine{PartnerID: f.partner, SettlementLine: first.SettlementLine, State: app.LineNew, FirstSeenAt: f.clk.Now()}
	again.LineID = first.LineID + "-reissued"
	if err := f.store.SaveSettlementLine(ctx, again); err != nil {
		t.Fatal(err)
	}
	// The round matched it, having read before the first line settled.
	matched := again
	matched.State, matched.OrderID = domain.SettlementMatched, first.OrderID
	if saved, err := f.store.SaveLineState(ctx, matched); err != nil || saved {
		t.Fatalf("a second matched line for the order: saved %v, %v; want not saved", saved, err)
	}
	if l, _ := f.store.GetLine(ctx, f.partner, again.LineID); l.State != app.LineNew {
		t.Errorf("the line not saved is %s, want still new for the next round", l.State)
	}
	// An operator accepted it, having checked before the first line settled.
	_, err := f.store.UpdateLine(ctx, f.partner, again.LineID, func(l *app.StoredLine) error {
		l.Resolution = &domain.LineResolution{From: l.State, Note: "the partner's figures", By: "admin-1", At: f.clk.Now()}
		l.State = domain.SettlementAccepted
		return nil
	})
	var e *apperr.Error
	if !errors.As(err, &e) || e.Reason != "ORDER_ALREADY_SETTLED" || e.Metadata["settled_by"] != first.LineID {
		t.Fatalf("a second accepted line for the order: %v; want ORDER_ALREADY_SETTLED naming %s", err, first.LineID)
	}
	f.rounds(t, 1)
	if l, _ := f.store.GetLine(ctx, f.partner, again.LineID); l.State != domain.SettlementMismatch || l.CreditedAt != nil {
		t.Errorf("reconciled again: %s, credited %v; want a mismatch for an operator, not credited", l.State, l.CreditedAt != nil)
	}
}

// Settlement lines docking cannot read (one in a currency nobody knows, one
// without an id) are kept unreadable, for an operator, beside the lines read
// whole: the round goes on, the sold order's line is matched and credited,
// and an unreadable line can only be dismissed. Before, such a line failed
// its page every round, and the partner's settlement pull stopped there.
func TestAnUnreadableLineIsKeptAsideForAnOperator(t *testing.T) {
	f := newPayoutFixture(t, 0)
	f.market.BookLine(partnersim.SettlementLine{LineID: "st-bad", OrderID: "po-x", Currency: "ZZZ", GrossMinor: 100, SettledAt: f.clk.Now()})
	f.market.BookLine(partnersim.SettlementLine{OrderID: "po-y", Currency: "EUR", GrossMinor: 100, SettledAt: f.clk.Now()})
	fixed := partnersim.SettlementLine{LineID: "st-fixed", OrderID: "po-z", Currency: "ZZZ", GrossMinor: 100, SettledAt: f.clk.Now()}
	f.market.BookLine(fixed)
	f.market.BookLine(partnersim.SettlementLine{LineID: "st-reread", OrderID: "po-r", Currency: "ZZZ", GrossMinor: 100, SettledAt: f.clk.Now()})
	f.sell(t)
	f.rounds(t, 3)
	// Our reading of a line improves (here: what was kept of it now reads
	// whole): the next round reads it again and reconciles it.
	if _, err := f.pool.Exec(context.Background(), `UPDATE settlement_lines SET raw = jsonb_set(jsonb_set(raw, '{gross,currencyCode}', '"EUR"'), '{fees,currencyCode}', '"EUR"')
		WHERE line_id = 'st-reread' AND state = 'unreadable'`); err != nil {
		t.Fatal(err)
	}
	// The partner corrects one, read again within the window's overlap: it
	// is reconciled (missing: the order is not one of ours).
	if l, err := f.store.GetLine(context.Background(), f.partner, "st-fixed"); err != nil || l.State != domain.SettlementUnreadable {
		t.Fatalf("the line in ZZZ: %+v, %v; want unreadable", l, err)
	}
	fixed.Currency = "EUR"
	f.market.BookLine(fixed)
	f.rounds(t, 2)
	for _, id := range []string{"st-fixed", "st-reread"} {
		if l, err := f.store.GetLine(context.Background(), f.partner, id); err != nil || l.State != domain.SettlementMissing || len(l.Problems) != 0 ||
			l.Gross.Currency != "EUR" {
			t.Fatalf("line %s read whole since: %+v, %v; want reconciled as missing, its figures read", id, l, err)
		}
	}
	f.rounds(t, 1)
	lines, _, err := f.store.ListLines(context.Background(), app.LineFilter{PartnerID: f.partner, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	byState := map[domain.SettlementState][]app.StoredLine{}
	for _, l := range lines {
		byState[l.State] = append(byState[l.State], l)
	}
	if m := byState[domain.SettlementMatched]; len(m) != 1 || m[0].CreditedAt == nil {
		t.Fatalf("the sold order's line: %+v; want matched and credited", m)
	}
	unreadable := byState[domain.SettlementUnreadable]
	if len(unreadable) != 2 || len(lines) != 5 {
		t.Fatalf("%d lines, %d unreadable: %+v; want the two bad lines kept unreadable", len(lines), len(unreadable), lines)
	}
	var bad, nameless app.StoredLine
	for _, l := range unreadable {
		if l.LineID == "st-bad" {
			bad = l
		} else {
			nameless = l
		}
	}
	if len(bad.Problems) == 0 || !strings.Contains(strings.Join(bad.Problems, ";"), "currency") {
		t.Errorf("the line in ZZZ says %v of what could not be read", bad.Problems)
	}
	if !strings.HasPrefix(nameless.LineID, "unreadable-") || len(nameless.Problems) == 0 {
		t.Errorf("the line without an id is kept as %q with %v", nameless.LineID, nameless.Problems)
	}
	if a := f.activity(t); a.LinesUnreconciled != 4 {
		t.Errorf("%d lines unreconciled, want the 2 unreadable ones and the 2 missing ones", a.LinesUnreconciled)
	}
	f.rounds(t, 2) // read again: still one line each
	if again, _, _ := f.store.ListLines(context.Background(), app.LineFilter{PartnerID: f.partner, Limit: 10}); len(again) != 5 {
		t.Errorf("%d lines after reading them again, want 5", len(again))
	}
	// Operators page through unreadable lines (one without a time sorts by
	// when it was first seen).
	first, next, err := f.store.ListLines(context.Background(), app.LineFilter{PartnerID: f.partner, State: domain.SettlementUnreadable, Limit: 1})
	if err != nil || len(first) != 1 || next == "" {
		t.Fatalf("the first page of unreadable lines: %d, %q, %v", len(first), next, err)
	}
	if second, _, err := f.store.ListLines(context.Background(), app.LineFilter{PartnerID: f.partner, State: domain.SettlementUnreadable, Limit: 1, Page: next}); err != nil ||
		len(second) != 1 || second[0].LineID == first[0].LineID {
		t.Errorf("the second page of unreadable lines: %+v, %v", second, err)
	}
	_, err = f.resolve("st-bad", domain.ResolutionAccept, "Credit it anyway.")
	wantReason(t, err, apperr.KindFailedPrecondition, "LINE_UNREADABLE")
	dismissed, err := f.resolve("st-bad", domain.ResolutionDismiss, "Settled with the partner by bank transfer.")
	if err != nil || dismissed.State != domain.SettlementDismissed || dismissed.Resolution == nil || dismissed.Resolution.From != domain.SettlementUnreadable {
		t.Fatalf("dismissing the unreadable line: %+v, %v", dismissed, err)
	}
	if len(f.finance.credits) != 1 {
		t.Errorf("finance credited %d lines, want only the matched one", len(f.finance.credits))
	}
}

// A partner's record holding what PostgreSQL cannot store (a NUL character)
// is kept unreadable, the text with U+FFFD in its place, beside the records
// read whole: the rounds go on, and the sold order's line is matched and
// credited. Before, such a record failed the insert of its page every
// round, and the partner's pull stopped there. What was kept of it reads
// whole, but it is not what the partner sent: it stays unreadable, never
// recorded. An order of ours holding such text is held for an operator,
// never placed with it.
func TestPartnerRecordsTheDatabaseCannotHoldAreKeptUnreadable(t *testing.T) {
	ctx := context.Background()
	f := newPayoutFixture(t, 0)
	now := f.clk.Now()
	f.market.BookLine(partnersim.SettlementLine{LineID: "st-nul\x00", OrderID: "po-\x00", Currency: "EUR", GrossMinor: 100, SettledAt: now})
	f.market.BookPayout(partnersim.Payout{PayoutID: "pay-nul\x00", Currency: "EUR", AmountMinor: 100, PaidAt: now})
	held, err := f.market.PlaceOrder("buyer\x00", partnersim.Address{Recipient: "E\x00", CountryCode: "DE", City: "Berlin", Lines: []string{"1"}},
		[]partnersim.ItemInput{{Marker: f.marker, Quantity: 1}}, true)
	if err != nil {
		t.Fatal(err)
	}
	f.sell(t)
	f.rounds(t, 3)

	if l, err := f.store.GetLine(ctx, f.partner, "st-nul\uFFFD"); err != nil || l.State != domain.SettlementUnreadable ||
		!slices.Contains(l.Problems, domain.TextProblem) || l.PartnerOrderID != "po-\uFFFD" || len(l.Raw) == 0 {
		t.Errorf("the line with a NUL: %+v, %v; want it unreadable, as sent", l, err)
	}
	if p, err := f.store.GetPayout(ctx, f.partner, "pay-nul\uFFFD"); err != nil || p.State() != app.PayoutUnreadable ||
		!slices.Contains(p.Problems, domain.TextProblem) || len(p.Raw) == 0 {
		t.Errorf("the payout with a NUL: %+v, %v; want it unreadable, as sent, not recorded", p, err)
	}
	o, seen, err := f.store.GetPulledOrder(ctx, f.partner, held.OrderID)
	if err != nil || !seen || o.State != app.PulledHeld || !strings.Contains(o.PartnerStatus, "NUL") {
		t.Errorf("the order with a NUL in its buyer: %+v, %v, %v; want it held for an operator", o, seen, err)
	}
	lines, _, err := f.store.ListLines(ctx, app.LineFilter{PartnerID: f.partner, State: domain.SettlementMatched, Limit: 10})
	if err != nil || len(lines) != 1 || lines[0].CreditedAt == nil {
		t.Errorf("matched lines %+v, %v; want the sold order's, credited", lines, err)
	}
}
