package app_test

import (
	"errors"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/services/finance/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain"
	"github.com/crossdock/crossdock/services/finance/internal/domain/escrow"
	"github.com/crossdock/crossdock/services/finance/internal/domain/fx"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

// fundDeposit tops a merchant's deposit up from the payment provider, with
// its finance.deposit.changed as a provider top-up's command writes it.
func (k escrowKit) fundDeposit(t *testing.T, org, currency string, amount int64, key string) {
	t.Helper()
	_, err := k.ledger.Execute(ctx, ledger.Command{IdempotencyKey: key, Transfers: []ledger.TransferSpec{{
		Debit:  ledger.AccountRef{Kind: ledger.KindPaymentProvider, Owner: ledger.Owner{Type: ledger.OwnerProvider, ID: "sandbox"}, Currency: currency},
		Credit: escrow.MerchantDeposit(org, currency), Amount: amount, Currency: currency, Code: ledger.CodeTopUp, Reference: key, Phase: ledger.PhasePosted,
	}}}, outbox.Message{Subject: app.SubjectDepositChanged, Payload: &financev1.DepositChanged{
		OrganizationId: org, Change: &commonv1.Money{AmountMinor: amount, CurrencyCode: currency}, Reason: "top_up", Reference: key,
	}})
	if err != nil {
		t.Fatal(err)
	}
}

// depositChanges returns the finance.deposit.changed events written, in
// order.
func (k escrowKit) depositChanges(t *testing.T) []*financev1.DepositChanged {
	t.Helper()
	rows, err := k.pool.Query(ctx, `SELECT payload FROM outbox WHERE subject = $1 ORDER BY seq`, app.SubjectDepositChanged)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []*financev1.DepositChanged
	for rows.Next() {
		var payload []byte
		if err := rows.Scan(&payload); err != nil {
			t.Fatal(err)
		}
		var ev financev1.DepositChanged
		if err := proto.Unmarshal(payload, &ev); err != nil {
			t.Fatal(err)
		}
		out = append(out, &ev)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// A merchant order is paid from the merchant's deposit, not the wallet of
// the user who placed it, and every later movement of its escrows goes back
// to, or is taken from, that deposit: the settlement's remainder, a refund
// before settlement, a claw-back after it, a top-up request. Each deposit
// movement says finance.deposit.changed; retries move nothing and say
// nothing again.
func TestMerchantCheckoutPaidFromTheDeposit(t *testing.T) {
	k := newEscrowKit(t)
	if _, err := k.fin.SetExchangeRate(ctx, admin, domain.ExchangeRateInput{From: "USD", To: "EUR", Rate: "0.92", Source: "ecb"}); err != nil {
		t.Fatal(err)
	}
	q, err := k.fin.QuoteConversion(ctx, svcs, fx.QuoteInput{From: "USD", To: "EUR"})
	if err != nil {
		t.Fatal(err)
	}
	org := uuid.NewString()
	placer := orgMember(auth.RoleMerchant, auth.OrgRoleStaff, org)
	deposit, wallet := escrow.MerchantDeposit(org, "USD"), escrow.BuyerWallet(placer.Subject, "USD")
	k.fundDeposit(t, org, "USD", 50000, "fund-deposit")
	// The placer's own wallet could pay everything: it must never be used.
	k.fund(t, placer.Subject, "USD", 1_000_000, "fund-wallet")
	checkout := app.CheckoutInput{OrderID: "mo-1", BuyerID: placer.Subject, BuyerCurrency: "USD", MerchantOrgID: org, QuoteIDs: map[string]string{"EUR": q.ID},
		Shares: []escrow.Share{
			{SubOrderID: "ms-1", SupplierOrgID: "org-1", SupplierCurrency: "EUR", Amount: 9200}, // 100.00 USD
			{SubOrderID: "ms-2", SupplierOrgID: "org-2", SupplierCurrency: "USD", Amount: 2500},
		}}
	want := func(step string, dep int64) {
		t.Helper()
		if got := k.net(t, deposit); got != dep {
			t.Fatalf("%s: deposit %d, want %d", step, got, dep)
		}
		if got := k.net(t, wallet); got != 1_000_000 {
			t.Fatalf("%s: the placer's wallet moved: %d", step, got)
		}
	}

	// Paid from the deposit; the records remember it.
	paid, err := k.e.PayCheckout(ctx, svcs, checkout)
	if err != nil {
		t.Fatal(err)
	}
	if paid.Total != 12500 || paid.Replayed || k.net(t, escrow.Escrow("ms-1", "EUR")) != 9200 || k.net(t, escrow.Escrow("ms-2", "USD")) != 2500 {
		t.Fatalf("paid = %+v", paid)
	}
	want("checkout", 37500)
	r, _, err := k.e.GetSubOrderEscrow(ctx, svcs, "ms-1")
	if err != nil || r.MerchantOrgID != org || r.BuyerID != placer.Subject || r.Payer() != deposit {
		t.Fatalf("record = %+v, %v", r, err)
	}

	// Idempotent: a replay answers the first result and moves nothing; the
	// same order paid by the wallet instead is another body.
	again, err := k.e.PayCheckout(ctx, svcs, checkout)
	if err != nil || !again.Replayed || again.Total != 12500 {
		t.Errorf("replay: %+v, %v", again, err)
	}
	want("replay", 37500)
	byWallet := checkout
	byWallet.MerchantOrgID = ""
	if _, err := k.e.PayCheckout(ctx, svcs, byWallet); !apperr.IsKind(err, apperr.KindAlreadyExists) {
		t.Errorf("the same order paid by the wallet: %v", err)
	}
	bad := checkout
	bad.OrderID, bad.MerchantOrgID = "mo-bad", "not-an-org"
	if _, err := k.e.PayCheckout(ctx, svcs, bad); !apperr.IsKind(err, apperr.KindInvalid) {
		t.Errorf("a merchant that is no organization id: %v", err)
	}
	want("refusals", 37500)

	// A deposit short of the total: the shortfall read from the deposit,
	// the same refusal as a wallet's, nothing moved, no escrow recorded.
	short := app.CheckoutInput{OrderID: "mo-2", BuyerID: placer.Subject, BuyerCurrency: "USD", MerchantOrgID: org,
		Shares: []escrow.Share{{SubOrderID: "ms-9", SupplierOrgID: "org-2", SupplierCurrency: "USD", Amount: 100000}}}
	_, err = k.e.PayCheckout(ctx, svcs, short)
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != apperr.KindFailedPrecondition || ae.Reason != ledger.ReasonInsufficientFunds ||
		ae.Metadata[ledger.MetadataShortfall] != "62500" || ae.Metadata[ledger.MetadataCurrency] != "USD" || ae.Metadata["merchant_org_id"] != org {
		t.Errorf("short deposit: %v", err)
	}
	if !errors.Is(err, app.ErrDepositShort) {
		t.Errorf("short deposit is not ErrDepositShort: %v", err)
	}
	want("short deposit", 37500)
	if _, _, err := k.e.GetSubOrderEscrow(ctx, svcs, "ms-9"); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Errorf("a refused checkout recorded its escrow: %v", err)
	}
	if got := k.net(t, escrow.Escrow("ms-9", "USD")); got != 0 {
		t.Errorf("a refused checkout filled its escrow: %d", got)
	}

	// A refund before settlement goes back to the deposit at the payment's
	// rate: 9.20 EUR at 0.92 = 10.00 USD.
	ref, err := k.e.RefundSubOrder(ctx, svcs, "ms-1", "mr-1", 920, "EUR")
	if err != nil || ref.ClawBack || ref.Waiting || ref.Refunded != 1000 {
		t.Fatalf("refund: %+v, %v", ref, err)
	}
	want("refund", 38500)
	if again, err := k.e.RefundSubOrder(ctx, svcs, "ms-1", "mr-1", 920, "EUR"); err != nil || !again.Replayed || again.Refunded != 1000 {
		t.Errorf("refund replay: %+v, %v", again, err)
	}
	want("refund replay", 38500)

	// Settlement: 82.80 EUR held, goods 80.00: the supplier 76.00, the
	// commission 4.00, the remainder 2.80 EUR back to the deposit at 0.92 =
	// 3.04 USD.
	res, err := k.e.SettleSubOrder(ctx, svcs, "ms-1", 8000, "EUR")
	if err != nil || res.TopUp != nil || res.Record.SupplierNet != 7600 || res.Record.Commission != 400 || res.Record.Refunded != 304 {
		t.Fatalf("settled: %+v, %v", res, err)
	}
	want("settlement", 38804)
	if again, err := k.e.SettleSubOrder(ctx, svcs, "ms-1", 8000, "EUR"); err != nil || again.Record.Refunded != 304 {
		t.Errorf("settlement replay: %+v, %v", again, err)
	}
	want("settlement replay", 38804)

	// After settlement, a refund is clawed back from the supplier's payable
	// into the deposit: 4.60 EUR = 5.00 USD, the payable paying it less
	// the commission on it (0.23), which the platform gives back.
	ref, err = k.e.RefundSubOrder(ctx, svcs, "ms-1", "mr-2", 460, "EUR")
	if err != nil || !ref.ClawBack || ref.Waiting || ref.Refunded != 500 || k.net(t, escrow.SupplierPayable("org-1", "EUR")) != 7600-(460-23) {
		t.Fatalf("claw-back: %+v, %v", ref, err)
	}
	want("claw-back", 39304)

	// A short settlement asks for a top-up, which the merchant's members
	// pay from the deposit; neither another merchant nor the placer as a
	// plain buyer may.
	res, err = k.e.SettleSubOrder(ctx, svcs, "ms-2", 3000, "USD")
	if err != nil || res.TopUp == nil || res.TopUp.Amount != 500 {
		t.Fatalf("short settlement: %+v, %v", res, err)
	}
	outsider := orgMember(auth.RoleMerchant, auth.OrgRoleOwner, uuid.NewString())
	asBuyer := auth.Caller{Subject: placer.Subject, Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}}
	for _, c := range []auth.Caller{outsider, asBuyer} {
		if _, err := k.e.PayTopUp(ctx, c, res.TopUp.ID); !apperr.IsKind(err, apperr.KindNotFound) {
			t.Errorf("%+v paid the merchant's top-up: %v", c, err)
		}
		if _, _, err := k.e.GetSubOrderEscrow(ctx, c, "ms-2"); !apperr.IsKind(err, apperr.KindNotFound) {
			t.Errorf("%+v read the merchant's escrow: %v", c, err)
		}
	}
	want("top-up refused", 39304)
	colleague := orgMember(auth.RoleMerchant, auth.OrgRoleOwner, org)
	done, err := k.e.PayTopUp(ctx, colleague, res.TopUp.ID)
	if err != nil || done.Record.State != escrow.StateSettled || k.net(t, escrow.SupplierPayable("org-2", "USD")) != 2850 {
		t.Fatalf("top-up paid: %+v, %v", done, err)
	}
	want("top-up", 38804)
	if _, err := k.e.PayTopUp(ctx, colleague, res.TopUp.ID); err != nil {
		t.Errorf("top-up paid twice: %v", err)
	}
	want("top-up replay", 38804)
	if got, bal, err := k.e.GetSubOrderEscrow(ctx, placer, "ms-2"); err != nil || got.State != escrow.StateSettled || bal != 0 {
		t.Errorf("a member reads the escrow: %+v %d, %v", got, bal, err)
	}
	k.balanced(t)

	// One deposit event per deposit movement, in its transaction: the
	// changes add up to what the deposit moved.
	wantEvents := []struct {
		change    int64
		reason    string
		reference string
	}{
		{50000, "top_up", "fund-deposit"},
		{-12500, "payment", "mo-1"},
		{1000, "refund", "mr-1"},
		{304, "escrow_refund", "ms-1"},
		{500, "claw_back", "mr-2"},
		{-500, "top_up_payment", res.TopUp.ID},
	}
	evs := k.depositChanges(t)
	if len(evs) != len(wantEvents) {
		t.Fatalf("%d deposit events, want %d: %v", len(evs), len(wantEvents), evs)
	}
	for i, w := range wantEvents {
		ev := evs[i]
		if ev.GetOrganizationId() != org || ev.GetChange().GetAmountMinor() != w.change || ev.GetChange().GetCurrencyCode() != "USD" ||
			ev.GetReason() != w.reason || ev.GetReference() != w.reference {
			t.Errorf("deposit event %d = %v, want %+v", i, ev, w)
		}
	}
	var requested financev1.TopUpRequested
	var payload []byte
	if err := k.pool.QueryRow(ctx, `SELECT payload FROM outbox WHERE subject = 'finance.topup.requested'`).Scan(&payload); err != nil {
		t.Fatal(err)
	}
	if err := proto.Unmarshal(payload, &requested); err != nil {
		t.Fatal(err)
	}
	if requested.GetMerchantOrgId() != org || requested.GetBuyerId() != placer.Subject {
		t.Errorf("top-up requested = %v", &requested)
	}
}

// A top-up request of a merchant order the deposit cannot pay is refused
// with the deposit's shortfall; nothing moves and the request stays open.
func TestMerchantTopUpTheDepositCannotPay(t *testing.T) {
	k := newEscrowKit(t)
	org := uuid.NewString()
	member := orgMember(auth.RoleMerchant, auth.OrgRoleStaff, org)
	k.fundDeposit(t, org, "USD", 1000, "fund-deposit")
	k.fund(t, member.Subject, "USD", 1_000_000, "fund-wallet")
	if _, err := k.e.PayCheckout(ctx, svcs, app.CheckoutInput{OrderID: "mo-1", BuyerID: member.Subject, BuyerCurrency: "USD", MerchantOrgID: org,
		Shares: []escrow.Share{{SubOrderID: "ms-1", SupplierOrgID: "org-1", SupplierCurrency: "USD", Amount: 1000}}}); err != nil {
		t.Fatal(err)
	}
	res, err := k.e.SettleSubOrder(ctx, svcs, "ms-1", 1500, "USD")
	if err != nil || res.TopUp == nil {
		t.Fatalf("short settlement: %+v, %v", res, err)
	}
	_, err = k.e.PayTopUp(ctx, member, res.TopUp.ID)
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Reason != ledger.ReasonInsufficientFunds || ae.Metadata[ledger.MetadataShortfall] != "500" {
		t.Fatalf("top-up the deposit cannot pay: %v", err)
	}
	if d, w := k.net(t, escrow.MerchantDeposit(org, "USD")), k.net(t, escrow.BuyerWallet(member.Subject, "USD")); d != 0 || w != 1_000_000 {
		t.Errorf("money moved: deposit %d, wallet %d", d, w)
	}
	if tu, err := postgres.New(k.pool).TopUp(ctx, res.TopUp.ID); err != nil || tu.Paid {
		t.Errorf("request after the refusal: %+v, %v", tu, err)
	}
	k.fundDeposit(t, org, "USD", 500, "fund-deposit-2")
	if done, err := k.e.PayTopUp(ctx, member, res.TopUp.ID); err != nil || done.Record.State != escrow.StateSettled {
		t.Errorf("top-up once the deposit can pay: %+v, %v", done, err)
	}
	k.balanced(t)
}
