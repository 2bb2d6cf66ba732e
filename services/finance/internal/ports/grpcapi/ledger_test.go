package grpcapi_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/finance/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
	"github.com/crossdock/crossdock/services/finance/internal/ports/grpcapi"
	"github.com/crossdock/crossdock/services/finance/migrations"
)

func TestLedgerOverTheWire(t *testing.T) {
	pool := testkit.Database(t, testkit.Migrations{Name: "finance", FS: migrations.FS})
	key, keys := testkit.SigningKey(t)
	book := postgres.NewLedger(pool)
	conn := testkit.ServeAPI(t, "finance", keys, grpcapi.PublicMethods, grpcapi.NewLedger(app.NewLedgerViews(book)).Register)
	c := financev1.NewLedgerServiceClient(conn)
	admin := as(t, key, auth.KindUser, auth.RoleAdmin)
	buyer := as(t, key, auth.KindUser, auth.RoleBuyer)

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
