package grpcapi_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	dockingv1 "github.com/crossdock/crossdock/gen/crossdock/docking/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	pkgmoney "github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/server/grpcerr"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// missingLine stores a settlement line of the partner for an order docking
// never imported, reconciled as missing, and returns its id.
func (f *fixture) missingLine(t *testing.T, partnerID string) string {
	t.Helper()
	ctx := context.Background()
	store := postgres.NewTrade(f.pool)
	l := app.StoredLine{PartnerID: uuid.MustParse(partnerID), State: app.LineNew, FirstSeenAt: time.Now(),
		SettlementLine: domain.SettlementLine{LineID: "st-" + uuid.NewString()[:8], PartnerOrderID: "po-unknown",
			Gross: pkgmoney.Money{Amount: 3000, Currency: "EUR"}, Fees: pkgmoney.Money{Amount: 300, Currency: "EUR"}, SettledAt: time.Now()}}
	if err := store.SaveSettlementLine(ctx, l); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	l.State, l.ReconciledAt = domain.SettlementMissing, &now
	if saved, err := store.SaveLineState(ctx, l); err != nil || !saved {
		t.Fatalf("saved %v: %v", saved, err)
	}
	return l.LineID
}

// Only admins resolve settlement lines and read payouts: not buyers, not
// suppliers, not a partner's own signed client; nothing changes.
func TestSettlementOperationsAreForAdminsOnly(t *testing.T) {
	f := newFixture(t)
	p := f.startPartner(t, "dh", nil)
	reg := f.register(t, p)
	lineID := f.missingLine(t, reg.GetPartnerId())
	resolve := &dockingv1.ResolveSettlementLineRequest{PartnerId: reg.GetPartnerId(), LineId: lineID,
		Resolution: dockingv1.SettlementLineResolution_SETTLEMENT_LINE_RESOLUTION_DISMISS, Note: "Not ours."}
	payouts := &dockingv1.ListPartnerPayoutsRequest{PartnerId: reg.GetPartnerId()}
	resolvePayout := &dockingv1.ResolvePartnerPayoutRequest{PartnerId: reg.GetPartnerId(), PayoutId: "po-1", Note: "Record it."}
	signed := dockingv1.NewDockingServiceClient(f.asPartner(t, p.clientID, p.key))
	for name, call := range map[string]func() error{
		"buyer resolves": func() error {
			c, ctx := f.docking(t, buyer)
			_, err := c.ResolveSettlementLine(ctx, resolve)
			return err
		},
		"supplier resolves": func() error {
			c, ctx := f.docking(t, supplier)
			_, err := c.ResolveSettlementLine(ctx, resolve)
			return err
		},
		"partner resolves its own line": func() error {
			_, err := signed.ResolveSettlementLine(context.Background(), resolve)
			return err
		},
		"buyer lists payouts": func() error {
			c, ctx := f.docking(t, buyer)
			_, err := c.ListPartnerPayouts(ctx, payouts)
			return err
		},
		"supplier lists payouts": func() error {
			c, ctx := f.docking(t, supplier)
			_, err := c.ListPartnerPayouts(ctx, payouts)
			return err
		},
		"partner lists its payouts": func() error {
			_, err := signed.ListPartnerPayouts(context.Background(), payouts)
			return err
		},
		"supplier resolves a payout": func() error {
			c, ctx := f.docking(t, supplier)
			_, err := c.ResolvePartnerPayout(ctx, resolvePayout)
			return err
		},
		"partner resolves its own payout": func() error {
			_, err := signed.ResolvePartnerPayout(context.Background(), resolvePayout)
			return err
		},
	} {
		t.Run(name, func(t *testing.T) { wantError(t, call(), apperr.KindPermissionDenied, "ADMINS_ONLY") })
	}
	client, ctx := f.docking(t, admin)
	lines, err := client.ListSettlementLines(ctx, &dockingv1.ListSettlementLinesRequest{PartnerId: reg.GetPartnerId()})
	if err != nil {
		t.Fatal(err)
	}
	if ls := lines.GetLines(); len(ls) != 1 || ls[0].GetState() != dockingv1.SettlementLineState_SETTLEMENT_LINE_STATE_MISSING || ls[0].GetResolution() != nil {
		t.Errorf("lines after the refusals: %v", ls)
	}
}

// An admin's resolution comes back on the line and in the list: state,
// note, who and when; bad input names every bad field; an unknown line is
// not found; payouts list with their state and finance's last refusal.
func TestResolveSettlementLineOverTheWire(t *testing.T) {
	f := newFixture(t)
	p := f.startPartner(t, "dh", nil)
	reg := f.register(t, p)
	lineID := f.missingLine(t, reg.GetPartnerId())
	client, ctx := f.docking(t, admin)

	_, err := client.ResolveSettlementLine(ctx, &dockingv1.ResolveSettlementLineRequest{PartnerId: "not-an-id", Note: " "})
	if got := testkit.Fields(t, grpcerr.FromError(err)); !slices.Equal(got, []string{"line_id", "note", "partner_id", "resolution"}) {
		t.Errorf("fields = %v (%v)", got, err)
	}
	_, err = client.ResolveSettlementLine(ctx, &dockingv1.ResolveSettlementLineRequest{PartnerId: reg.GetPartnerId(), LineId: "st-nope",
		Resolution: dockingv1.SettlementLineResolution_SETTLEMENT_LINE_RESOLUTION_DISMISS, Note: "Not ours."})
	wantError(t, err, apperr.KindNotFound, "")
	_, err = client.ResolveSettlementLine(ctx, &dockingv1.ResolveSettlementLineRequest{PartnerId: reg.GetPartnerId(), LineId: lineID,
		Resolution: dockingv1.SettlementLineResolution_SETTLEMENT_LINE_RESOLUTION_ACCEPT_PARTNER_FIGURES, Note: "Credit it."})
	wantError(t, err, apperr.KindFailedPrecondition, "LINE_ORDER_MISSING")

	resp, err := client.ResolveSettlementLine(ctx, &dockingv1.ResolveSettlementLineRequest{PartnerId: reg.GetPartnerId(), LineId: lineID,
		Resolution: dockingv1.SettlementLineResolution_SETTLEMENT_LINE_RESOLUTION_DISMISS, Note: "Not ours: booked to us by mistake."})
	if err != nil {
		t.Fatal(err)
	}
	l := resp.GetLine()
	r := l.GetResolution()
	if l.GetState() != dockingv1.SettlementLineState_SETTLEMENT_LINE_STATE_DISMISSED || r.GetPreviousState() != dockingv1.SettlementLineState_SETTLEMENT_LINE_STATE_MISSING ||
		r.GetNote() != "Not ours: booked to us by mistake." || r.GetResolvedBy() != admin.Subject || r.GetResolvedAt() == nil || l.GetCreditedAt() != nil {
		t.Fatalf("resolved line %v", l)
	}
	listed, err := client.ListSettlementLines(ctx, &dockingv1.ListSettlementLinesRequest{PartnerId: reg.GetPartnerId(),
		State: dockingv1.SettlementLineState_SETTLEMENT_LINE_STATE_DISMISSED})
	if err != nil {
		t.Fatal(err)
	}
	if ls := listed.GetLines(); len(ls) != 1 || ls[0].GetResolution().GetNote() != r.GetNote() {
		t.Errorf("dismissed lines listed: %v", ls)
	}
	// A state the API does not define is refused, not taken for no filter.
	if _, err := client.ListSettlementLines(ctx, &dockingv1.ListSettlementLinesRequest{PartnerId: reg.GetPartnerId(),
		State: dockingv1.SettlementLineState(99)}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("lines listed in state 99: %v, want InvalidArgument", err)
	}
	if _, err := client.ListPartnerPayouts(ctx, &dockingv1.ListPartnerPayoutsRequest{PartnerId: reg.GetPartnerId(),
		State: dockingv1.PartnerPayoutState(99)}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("payouts listed in state 99: %v, want InvalidArgument", err)
	}
	if _, err := client.ListPartnerOrders(ctx, &dockingv1.ListPartnerOrdersRequest{PartnerId: reg.GetPartnerId(),
		State: dockingv1.PartnerOrderState(99)}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("orders listed in state 99: %v, want InvalidArgument", err)
	}
	act, err := client.GetPartnerActivity(ctx, &dockingv1.GetPartnerActivityRequest{PartnerId: reg.GetPartnerId()})
	if err != nil {
		t.Fatal(err)
	}
	if n := act.GetActivity().GetSettlementLinesUnreconciled(); n != 0 {
		t.Errorf("%d lines unreconciled after the dismissal", n)
	}

	store := postgres.NewTrade(f.pool)
	pid := uuid.MustParse(reg.GetPartnerId())
	for _, id := range []string{"po-1", "po-2"} {
		if err := store.SavePayout(context.Background(), app.StoredPayout{PartnerID: pid, FirstSeenAt: time.Now(),
			Payout: domain.Payout{PayoutID: id, Amount: pkgmoney.Money{Amount: 2700, Currency: "EUR"}, PaidAt: time.Now()}}); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	if err := store.SavePayoutRecord(context.Background(), pid, "po-1", &now, 0, ""); err != nil {
		t.Fatal(err)
	}
	if err := store.SavePayoutRecord(context.Background(), pid, "po-2", nil, 0, "the withdrawal exceeds the partner virtual account"); err != nil {
		t.Fatal(err)
	}
	waiting, err := client.ListPartnerPayouts(ctx, &dockingv1.ListPartnerPayoutsRequest{PartnerId: reg.GetPartnerId(),
		State: dockingv1.PartnerPayoutState_PARTNER_PAYOUT_STATE_WAITING})
	if err != nil {
		t.Fatal(err)
	}
	if ps := waiting.GetPayouts(); len(ps) != 1 || ps[0].GetPayoutId() != "po-2" || ps[0].GetState() != dockingv1.PartnerPayoutState_PARTNER_PAYOUT_STATE_WAITING ||
		ps[0].GetAmount().GetAmountMinor() != 2700 || ps[0].GetLastRefusal() == "" || ps[0].GetRecordedAt() != nil {
		t.Errorf("waiting payouts %v", ps)
	}
	all, err := client.ListPartnerPayouts(ctx, &dockingv1.ListPartnerPayoutsRequest{PartnerId: reg.GetPartnerId()})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.GetPayouts()) != 2 {
		t.Errorf("payouts %v, want both", all.GetPayouts())
	}
	_, err = client.ListPartnerPayouts(ctx, &dockingv1.ListPartnerPayoutsRequest{PartnerId: uuid.NewString()})
	wantError(t, err, apperr.KindNotFound, "")

	_, err = client.ResolvePartnerPayout(ctx, &dockingv1.ResolvePartnerPayoutRequest{PartnerId: "not-an-id", Note: " "})
	if got := testkit.Fields(t, grpcerr.FromError(err)); !slices.Equal(got, []string{"note", "partner_id", "payout_id"}) {
		t.Errorf("fields = %v (%v)", got, err)
	}
	note := "The dismissed line was paid out anyway; held unallocated until the partner claws it back."
	_, err = client.ResolvePartnerPayout(ctx, &dockingv1.ResolvePartnerPayoutRequest{PartnerId: reg.GetPartnerId(), PayoutId: "po-nope", Note: note})
	wantError(t, err, apperr.KindNotFound, "")
	_, err = client.ResolvePartnerPayout(ctx, &dockingv1.ResolvePartnerPayoutRequest{PartnerId: reg.GetPartnerId(), PayoutId: "po-1", Note: note})
	wantError(t, err, apperr.KindFailedPrecondition, "PAYOUT_RECORDED")
	resolved, err := client.ResolvePartnerPayout(ctx, &dockingv1.ResolvePartnerPayoutRequest{PartnerId: reg.GetPartnerId(), PayoutId: "po-2", Note: note})
	if err != nil {
		t.Fatal(err)
	}
	if po := resolved.GetPayout(); po.GetState() != dockingv1.PartnerPayoutState_PARTNER_PAYOUT_STATE_RECORDED || po.GetRecordedAt() == nil ||
		po.GetLastRefusal() != "" || po.GetUnallocated().GetAmountMinor() != 2700 || po.GetUnallocated().GetCurrencyCode() != "EUR" ||
		po.GetResolution().GetNote() != note || po.GetResolution().GetResolvedBy() != admin.Subject || po.GetResolution().GetResolvedAt() == nil {
		t.Errorf("resolved payout %v", po)
	}
	all, err = client.ListPartnerPayouts(ctx, &dockingv1.ListPartnerPayoutsRequest{PartnerId: reg.GetPartnerId(),
		State: dockingv1.PartnerPayoutState_PARTNER_PAYOUT_STATE_RECORDED})
	if err != nil {
		t.Fatal(err)
	}
	if ps := all.GetPayouts(); len(ps) != 2 {
		t.Errorf("recorded payouts %v, want both", ps)
	}
	for _, po := range all.GetPayouts() {
		if (po.GetPayoutId() == "po-1") != (po.GetResolution() == nil && po.GetUnallocated() == nil) {
			t.Errorf("listed payout %v: only po-2 carries a resolution and an unallocated part", po)
		}
	}
}
