package app_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
	"github.com/crossdock/crossdock/services/finance/internal/domain/wallet"
)

func TestMerchantDeposit(t *testing.T) {
	e := newWallets(t)
	org := uuid.NewString()
	member := orgMember(auth.RoleMerchant, auth.OrgRoleStaff, org)
	outsider := orgMember(auth.RoleMerchant, auth.OrgRoleOwner, uuid.NewString())
	depositRef := ledger.AccountRef{Kind: ledger.KindMerchantDeposit, Owner: ledger.Owner{Type: ledger.OwnerOrganization, ID: org}, Currency: "USD"}

	if _, err := e.w.CreateDepositTopUp(ctx, outsider, org, wallet.TopUpInput{Amount: 1, Currency: "USD", IdempotencyKey: "k"}); !apperr.IsKind(err, apperr.KindPermissionDenied) {
		t.Errorf("another merchant tops up: %v", err)
	}
	tu, err := e.w.CreateDepositTopUp(ctx, member, org, wallet.TopUpInput{Amount: 20_000, Currency: "USD", IdempotencyKey: "k"})
	if err != nil || tu.Purpose != wallet.PurposeDeposit || tu.OwnerID != org {
		t.Fatalf("deposit top-up: %+v, %v", tu, err)
	}
	intent := app.Intent{ID: tu.IntentID, Amount: 20_000, Currency: "USD", Reference: tu.ID}
	d := e.provider.sign(e.provider.intentEvent("evt_d", app.EventIntentSucceeded, intent, app.IntentSucceeded, ""), t0)
	if _, err := e.w.HandleProviderWebhook(ctx, d.signature, d.body); err != nil {
		t.Fatal(err)
	}
	if net, _ := e.balance(t, depositRef); net != 20_000 {
		t.Errorf("deposit holds %d after the top-up", net)
	}
	// Another member of the merchant sees the top-up; an outsider does not.
	other := orgMember(auth.RoleMerchant, auth.OrgRoleOwner, org)
	if _, err := e.w.GetTopUp(ctx, other, tu.ID); err != nil {
		t.Errorf("another member reads the top-up: %v", err)
	}
	if _, err := e.w.GetTopUp(ctx, outsider, tu.ID); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Errorf("an outsider reads the top-up: %v", err)
	}

	debit := app.DepositDebit{OrderReference: "mo-1", OrganizationID: org, Amount: 7_500, Currency: "USD"}
	tests := []struct {
		name     string
		c        auth.Caller
		in       app.DepositDebit
		kind     apperr.Kind
		replayed bool
		wantNet  int64
	}{
		{"a member may not debit", member, debit, apperr.KindPermissionDenied, false, 20_000},
		{"the orders service debits", svcs, debit, apperr.KindUnknown, false, 12_500},
		{"a retry moves nothing", svcs, debit, apperr.KindUnknown, true, 12_500},
		{"the same order with another amount", svcs, app.DepositDebit{OrderReference: "mo-1", OrganizationID: org, Amount: 7_501, Currency: "USD"}, apperr.KindAlreadyExists, false, 12_500},
		{"more than the deposit holds", svcs, app.DepositDebit{OrderReference: "mo-2", OrganizationID: org, Amount: 12_501, Currency: "USD"}, apperr.KindFailedPrecondition, false, 12_500},
		{"no amount", svcs, app.DepositDebit{OrderReference: "mo-3", OrganizationID: org, Currency: "USD"}, apperr.KindInvalid, false, 12_500},
		{"no organization", svcs, app.DepositDebit{OrderReference: "mo-3", Amount: 1, Currency: "USD"}, apperr.KindInvalid, false, 12_500},
	}
	for _, tt := range tests {
		res, err := e.w.DebitMerchantDeposit(ctx, tt.c, tt.in)
		net, _ := e.balance(t, depositRef)
		if apperr.KindOf(err) != tt.kind || res.Replayed != tt.replayed || net != tt.wantNet {
			t.Errorf("%s: %+v, %v; deposit %d", tt.name, res, err, net)
		}
	}
	escrow := ledger.AccountRef{Kind: ledger.KindEscrow, Owner: ledger.Owner{Type: ledger.OwnerOrder, ID: "mo-1"}, Currency: "USD"}
	if net, _ := e.balance(t, escrow); net != 7_500 {
		t.Errorf("the order's escrow holds %d", net)
	}
	e.assertBooksBalance(t)
	// Two changes, each with its event: the top-up and the debit.
	if n := e.outboxCount(t, app.SubjectDepositChanged); n != 2 {
		t.Errorf("%d %s events, want 2", n, app.SubjectDepositChanged)
	}

	for _, c := range []auth.Caller{member, admin} {
		dep, err := e.w.GetMerchantDeposit(ctx, c, org, "", 0, "")
		if err != nil || len(dep.Accounts) != 1 || dep.Accounts[0].Balance.Net() != 12_500 || len(dep.Transfers) != 2 || dep.Transfers[0].Code != ledger.CodeDepositDebit {
			t.Errorf("deposit read by %s: %+v, %v", c.Subject, dep, err)
		}
	}
	if _, err := e.w.GetMerchantDeposit(ctx, outsider, org, "", 0, ""); !apperr.IsKind(err, apperr.KindPermissionDenied) {
		t.Errorf("outsider reads the deposit: %v", err)
	}
	// A currency never used is an empty statement.
	dep, err := e.w.GetMerchantDeposit(ctx, member, org, "EUR", 0, "")
	if err != nil || len(dep.Transfers) != 0 || dep.Account.Balance.Net() != 0 {
		t.Errorf("unused currency: %+v, %v", dep, err)
	}
}

func TestWalletReads(t *testing.T) {
	e := newWallets(t)
	_, intent := e.topUp(t, buyer, "k", 4_200)
	d := e.provider.sign(e.provider.intentEvent("evt_w", app.EventIntentSucceeded, intent, app.IntentSucceeded, ""), t0)
	if _, err := e.w.HandleProviderWebhook(ctx, d.signature, d.body); err != nil {
		t.Fatal(err)
	}
	accounts, err := e.w.WalletBalances(ctx, buyer, "")
	if err != nil || len(accounts) != 1 || accounts[0].Currency != "USD" || accounts[0].Balance.Net() != 4_200 {
		t.Errorf("balances: %+v, %v", accounts, err)
	}
	st, err := e.w.WalletStatement(ctx, buyer, "", "USD", 0, "")
	if err != nil || len(st.Transfers) != 1 || st.Transfers[0].Code != ledger.CodeTopUp || st.Transfers[0].Reference != intent.Reference {
		t.Errorf("statement: %+v, %v", st, err)
	}
	buyer2 := auth.Caller{Subject: "buyer-2", Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}}
	tests := []struct {
		name string
		c    auth.Caller
		user string
		cur  string
		kind apperr.Kind
	}{
		{"no currency", buyer, "", "", apperr.KindInvalid},
		{"the buyer, naming themself", buyer, buyer.Subject, "USD", apperr.KindUnknown},
		{"an admin reads the buyer's", admin, buyer.Subject, "USD", apperr.KindUnknown},
		{"another buyer reads the buyer's", buyer2, buyer.Subject, "USD", apperr.KindPermissionDenied},
		{"a service reads the buyer's", svcs, buyer.Subject, "USD", apperr.KindPermissionDenied},
		{"a supplier has no wallet", orgMember(auth.RoleSupplier, auth.OrgRoleOwner, uuid.NewString()), "", "USD", apperr.KindPermissionDenied},
		{"a service has no wallet", svcs, "", "USD", apperr.KindPermissionDenied},
	}
	for _, tt := range tests {
		st, err := e.w.WalletStatement(ctx, tt.c, tt.user, tt.cur, 0, "")
		if apperr.KindOf(err) != tt.kind || (err == nil && st.Account.Balance.Net() != 4_200) {
			t.Errorf("%s: %+v, %v", tt.name, st.Account, err)
		}
	}
}
