package grpcapi_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/finance/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
	"github.com/crossdock/crossdock/services/finance/internal/ports/grpcapi"
	"github.com/crossdock/crossdock/services/finance/migrations"
)

// ledgerAPI serves the ledger views over gRPC on a fresh book, with an
// admin's and a buyer's call contexts.
func ledgerAPI(t *testing.T) (book *postgres.Ledger, c financev1.LedgerServiceClient, admin, buyer context.Context) {
	t.Helper()
	pool := testkit.Database(t, testkit.Migrations{Name: "finance", FS: migrations.FS})
	key, keys := testkit.SigningKey(t)
	book = postgres.NewLedger(pool)
	conn := testkit.ServeAPI(t, "finance", keys, grpcapi.PublicMethods, grpcapi.NewLedger(app.NewLedgerViews(book)).Register)
	return book, financev1.NewLedgerServiceClient(conn), as(t, key, auth.KindUser, auth.RoleAdmin), as(t, key, auth.KindUser, auth.RoleBuyer)
}

func TestLedgerOverTheWire(t *testing.T) {
	book, c, admin, buyer := ledgerAPI(t)

	walletRef := ledger.AccountRef{Kind: ledger.KindBuyerWallet, Owner: ledger.Owner{Type: ledger.OwnerUser, ID: "b1"}, Currency: "EUR"}
	res, err := book.Execute(context.Background(), ledger.Command{IdempotencyKey: "k", Transfers: []ledger.TransferSpec{{
		Debit:  ledger.AccountRef{Kind: ledger.KindPaymentProvider, Owner: ledger.Owner{Type: ledger.OwnerProvider, ID: "sandbox"}, Currency: "EUR"},
		Credit: walletRef, Amount: 1_234, Currency: "EUR", Code: ledger.CodeTopUp, Reference: "top-up-1", Phase: ledger.PhasePosted,
		Rate: &ledger.RateSnapshot{From: "USD", To: "EUR", Rate: "0.92", Source: "ecb"},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	tr := res.Transfers[0]

	got, err := c.LookupLedgerAccount(admin, &financev1.LookupLedgerAccountRequest{Kind: "buyer_wallet", OwnerType: "user", OwnerId: "b1", CurrencyCode: "EUR"})
	if err != nil {
		t.Fatal(err)
	}
	a := got.GetAccount()
	if a.GetId() != tr.CreditAccount || a.GetBalance().GetNetMinor() != 1_234 || !slices.Equal(a.GetFlags(), []string{"debits_must_not_exceed_credits"}) || a.GetClosedAt() != nil {
		t.Errorf("account = %v", a)
	}
	gt, err := c.GetLedgerTransfer(admin, &financev1.GetLedgerTransferRequest{TransferId: tr.ID})
	if err != nil {
		t.Fatal(err)
	}
	if x := gt.GetTransfer(); x.GetAmountMinor() != 1_234 || x.GetRate().GetRate() != "0.92" || x.GetCreditBalance().GetCreditsPostedMinor() != 1_234 || x.GetPhase() != "posted" {
		t.Errorf("transfer = %v", x)
	}
	st, err := c.ListLedgerStatement(admin, &financev1.ListLedgerStatementRequest{AccountId: tr.CreditAccount})
	if err != nil || len(st.GetTransfers()) != 1 || st.GetPage().GetNextPageToken() != "" {
		t.Errorf("statement = %v, %v", st, err)
	}
	before, err := c.GetLedgerBalanceAt(admin, &financev1.GetLedgerBalanceAtRequest{AccountId: tr.CreditAccount, At: timestamppb.New(tr.CreatedAt.Add(-time.Second))})
	if err != nil || before.GetBalance().GetNetMinor() != 0 {
		t.Errorf("balance before = %v, %v", before, err)
	}
	tb, err := c.GetTrialBalance(admin, &financev1.GetTrialBalanceRequest{})
	if err != nil || len(tb.GetLines()) != 2 {
		t.Errorf("trial balance = %v, %v", tb, err)
	}

	for name, call := range map[string]func() error{
		"missing instant": func() error {
			_, err := c.GetLedgerBalanceAt(admin, &financev1.GetLedgerBalanceAtRequest{AccountId: tr.CreditAccount})
			return err
		},
		"bad lookup": func() error {
			_, err := c.LookupLedgerAccount(admin, &financev1.LookupLedgerAccountRequest{Kind: "vault"})
			return err
		},
	} {
		if status.Code(call()) != codes.InvalidArgument {
			t.Errorf("%s: want InvalidArgument", name)
		}
	}
	if _, err := c.GetLedgerTransfer(admin, &financev1.GetLedgerTransferRequest{TransferId: "not-an-id"}); status.Code(err) != codes.NotFound {
		t.Errorf("unknown transfer: %v", err)
	}
	if _, err := c.GetTrialBalance(buyer, &financev1.GetTrialBalanceRequest{}); status.Code(err) != codes.PermissionDenied {
		t.Errorf("buyer's trial balance: %v", err)
	}
}

// An operator lists every account of a kind (here every partner's
// unallocated receipts) by owner and currency, a page at a time, only those
// holding money if asked, in one currency if asked.
func TestLedgerAccountsOfAKind(t *testing.T) {
	book, c, admin, buyer := ledgerAPI(t)

	receipts := func(partner, currency string) ledger.AccountRef {
		return ledger.AccountRef{Kind: ledger.KindPartnerUnallocated, Owner: ledger.Owner{Type: ledger.OwnerPartner, ID: partner}, Currency: currency}
	}
	provider := func(currency string) ledger.AccountRef { // external: it may go below zero
		return ledger.AccountRef{Kind: ledger.KindPaymentProvider, Owner: ledger.Owner{Type: ledger.OwnerProvider, ID: "sandbox"}, Currency: currency}
	}
	move := func(key string, debit, credit ledger.AccountRef, amount int64) {
		t.Helper()
		if _, err := book.Execute(context.Background(), ledger.Command{IdempotencyKey: key, Transfers: []ledger.TransferSpec{{
			Debit: debit, Credit: credit, Amount: amount, Currency: debit.Currency, Code: ledger.CodeTopUp, Reference: key, Phase: ledger.PhasePosted,
		}}}); err != nil {
			t.Fatal(err)
		}
	}
	move("p1-eur", provider("EUR"), receipts("p1", "EUR"), 500)
	move("p1-usd", provider("USD"), receipts("p1", "USD"), 700)
	move("p2-eur", provider("EUR"), receipts("p2", "EUR"), 300)
	move("p2-eur-back", receipts("p2", "EUR"), provider("EUR"), 300) // allocated: holds nothing now
	move("p3-eur", provider("EUR"), receipts("p3", "EUR"), 900)

	list := func(req *financev1.ListLedgerAccountsRequest) []string {
		t.Helper()
		var out []string
		for {
			resp, err := c.ListLedgerAccounts(admin, req)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range resp.GetAccounts() {
				if a.GetKind() != "partner_unallocated" {
					t.Errorf("listed %v", a)
				}
				out = append(out, fmt.Sprintf("%s/%s=%d", a.GetOwnerId(), a.GetCurrencyCode(), a.GetBalance().GetNetMinor()))
			}
			if resp.GetPage().GetNextPageToken() == "" {
				return out
			}
			req.Page = &commonv1.PageRequest{PageSize: req.GetPage().GetPageSize(), PageToken: resp.GetPage().GetNextPageToken()}
		}
	}
	for _, tc := range []struct {
		name string
		req  *financev1.ListLedgerAccountsRequest
		want []string
	}{
		{"every one", &financev1.ListLedgerAccountsRequest{Kind: "partner_unallocated"}, []string{"p1/EUR=500", "p1/USD=700", "p2/EUR=0", "p3/EUR=900"}},
		{"a page at a time", &financev1.ListLedgerAccountsRequest{Kind: "partner_unallocated", Page: &commonv1.PageRequest{PageSize: 1}},
			[]string{"p1/EUR=500", "p1/USD=700", "p2/EUR=0", "p3/EUR=900"}},
		{"holding money", &financev1.ListLedgerAccountsRequest{Kind: "partner_unallocated", Nonzero: true, Page: &commonv1.PageRequest{PageSize: 2}},
			[]string{"p1/EUR=500", "p1/USD=700", "p3/EUR=900"}},
		{"in euros", &financev1.ListLedgerAccountsRequest{Kind: "partner_unallocated", CurrencyCode: "EUR", Nonzero: true}, []string{"p1/EUR=500", "p3/EUR=900"}},
		{"a kind with no account", &financev1.ListLedgerAccountsRequest{Kind: "carrier_payable"}, nil},
	} {
		if got := list(tc.req); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}

	first, err := c.ListLedgerAccounts(admin, &financev1.ListLedgerAccountsRequest{Kind: "partner_unallocated", Page: &commonv1.PageRequest{PageSize: 1}})
	if err != nil {
		t.Fatal(err)
	}
	for name, req := range map[string]*financev1.ListLedgerAccountsRequest{
		"no kind":                     {},
		"unknown kind":                {Kind: "vault"},
		"bad currency":                {Kind: "partner_unallocated", CurrencyCode: "euro"},
		"another kind's page token":   {Kind: "platform_revenue", Page: &commonv1.PageRequest{PageToken: first.GetPage().GetNextPageToken()}},
		"another filter's page token": {Kind: "partner_unallocated", Nonzero: true, Page: &commonv1.PageRequest{PageToken: first.GetPage().GetNextPageToken()}},
		"a page token from elsewhere": {Kind: "partner_unallocated", Page: &commonv1.PageRequest{PageToken: "bm90LWEtdG9rZW4"}},
	} {
		if _, err := c.ListLedgerAccounts(admin, req); status.Code(err) != codes.InvalidArgument {
			t.Errorf("%s: %v, want InvalidArgument", name, err)
		}
	}
	if _, err := c.ListLedgerAccounts(buyer, &financev1.ListLedgerAccountsRequest{Kind: "partner_unallocated"}); status.Code(err) != codes.PermissionDenied {
		t.Errorf("a buyer listing accounts: %v, want PermissionDenied", err)
	}
}
