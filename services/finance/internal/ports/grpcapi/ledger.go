package grpcapi

import (
	"context"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

// LedgerServer implements financev1.LedgerServiceServer over the operators'
// ledger views.
type LedgerServer struct {
	financev1.UnimplementedLedgerServiceServer
	views *app.LedgerViews
}

// NewLedger returns the gRPC API of the ledger views.
func NewLedger(v *app.LedgerViews) *LedgerServer { return &LedgerServer{views: v} }

// Register adds the API to a gRPC server.
func (s *LedgerServer) Register(g grpc.ServiceRegistrar) { financev1.RegisterLedgerServiceServer(g, s) }

// GetLedgerAccount returns one account (admins).
func (s *LedgerServer) GetLedgerAccount(ctx context.Context, req *financev1.GetLedgerAccountRequest) (*financev1.GetLedgerAccountResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	a, err := s.views.Account(ctx, c, req.GetAccountId())
	if err != nil {
		return nil, err
	}
	return &financev1.GetLedgerAccountResponse{Account: ledgerAccountProto(a)}, nil
}

// LookupLedgerAccount finds an account by kind, owner and currency (admins).
func (s *LedgerServer) LookupLedgerAccount(ctx context.Context, req *financev1.LookupLedgerAccountRequest) (*financev1.LookupLedgerAccountResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	a, err := s.views.LookupAccount(ctx, c, ledger.AccountRef{
		Kind:     ledger.Kind(req.GetKind()),
		Owner:    ledger.Owner{Type: ledger.OwnerType(req.GetOwnerType()), ID: req.GetOwnerId()},
		Currency: req.GetCurrencyCode(),
	})
	if err != nil {
		return nil, err
	}
	return &financev1.LookupLedgerAccountResponse{Account: ledgerAccountProto(a)}, nil
}

// ListLedgerAccounts lists the accounts of one kind (admins).
func (s *LedgerServer) ListLedgerAccounts(ctx context.Context, req *financev1.ListLedgerAccountsRequest) (*financev1.ListLedgerAccountsResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	accounts, next, err := s.views.Accounts(ctx, c, app.AccountFilter{
		Kind: ledger.Kind(req.GetKind()), Currency: req.GetCurrencyCode(), NonZero: req.GetNonzero(),
		PageSize: int(req.GetPage().GetPageSize()), PageToken: req.GetPage().GetPageToken(),
	})
	if err != nil {
		return nil, err
	}
	out := &financev1.ListLedgerAccountsResponse{Page: &commonv1.PageResponse{NextPageToken: next}}
	for _, a := range accounts {
		out.Accounts = append(out.Accounts, ledgerAccountProto(a))
	}
	return out, nil
}

// GetLedgerBalanceAt returns a balance at an instant (admins).
func (s *LedgerServer) GetLedgerBalanceAt(ctx context.Context, req *financev1.GetLedgerBalanceAtRequest) (*financev1.GetLedgerBalanceAtResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var at time.Time // none given: the views refuse it as required
	if req.GetAt() != nil {
		at = req.GetAt().AsTime()
	}
	b, err := s.views.BalanceAt(ctx, c, req.GetAccountId(), at)
	if err != nil {
		return nil, err
	}
	return &financev1.GetLedgerBalanceAtResponse{Balance: ledgerBalanceProto(b)}, nil
}

// ListLedgerStatement returns an account's transfers, newest first (admins).
func (s *LedgerServer) ListLedgerStatement(ctx context.Context, req *financev1.ListLedgerStatementRequest) (*financev1.ListLedgerStatementResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	ts, next, err := s.views.Statement(ctx, c, req.GetAccountId(), int(req.GetPage().GetPageSize()), req.GetPage().GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &financev1.ListLedgerStatementResponse{Page: &commonv1.PageResponse{NextPageToken: next}}
	for _, t := range ts {
		out.Transfers = append(out.Transfers, ledgerTransferProto(t))
	}
	return out, nil
}

// GetLedgerTransfer returns one transfer (admins).
func (s *LedgerServer) GetLedgerTransfer(ctx context.Context, req *financev1.GetLedgerTransferRequest) (*financev1.GetLedgerTransferResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	t, err := s.views.Transfer(ctx, c, req.GetTransferId())
	if err != nil {
		return nil, err
	}
	return &financev1.GetLedgerTransferResponse{Transfer: ledgerTransferProto(t)}, nil
}

// GetTrialBalance sums the book per currency and kind (admins).
func (s *LedgerServer) GetTrialBalance(ctx context.Context, _ *financev1.GetTrialBalanceRequest) (*financev1.GetTrialBalanceResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	lines, err := s.views.TrialBalance(ctx, c)
	if err != nil {
		return nil, err
	}
	out := &financev1.GetTrialBalanceResponse{}
	for _, l := range lines {
		out.Lines = append(out.Lines, &financev1.TrialBalanceLine{
			CurrencyCode: l.Currency, Kind: string(l.Kind), Accounts: int32(l.Accounts),
			DebitsPostedMinor: l.DebitsPosted, CreditsPostedMinor: l.CreditsPosted,
		})
	}
	return out, nil
}

func ledgerBalanceProto(b ledger.Balance) *financev1.LedgerBalance {
	return &financev1.LedgerBalance{
		DebitsPostedMinor: b.DebitsPosted, CreditsPostedMinor: b.CreditsPosted,
		DebitsPendingMinor: b.DebitsPending, CreditsPendingMinor: b.CreditsPending, NetMinor: b.Net(),
	}
}

// flagNames are the flags' names on the wire.
var flagNames = []struct {
	flag ledger.Flags
	name string
}{
	{ledger.FlagExternal, "external"},
	{ledger.FlagDebitsMustNotExceedCredits, "debits_must_not_exceed_credits"},
	{ledger.FlagCreditsMustNotExceedDebits, "credits_must_not_exceed_debits"},
}

func ledgerAccountProto(a ledger.Account) *financev1.LedgerAccount {
	out := &financev1.LedgerAccount{
		Id: a.ID, Kind: string(a.Kind), OwnerType: string(a.Owner.Type), OwnerId: a.Owner.ID, CurrencyCode: a.Currency,
		Balance: ledgerBalanceProto(a.Balance), CreatedAt: timestamppb.New(a.CreatedAt),
	}
	for _, f := range flagNames {
		if a.Flags.Has(f.flag) {
			out.Flags = append(out.Flags, f.name)
		}
	}
	if a.Closed() {
		out.ClosedAt = timestamppb.New(a.ClosedAt)
	}
	return out
}

func ledgerTransferProto(t ledger.Transfer) *financev1.LedgerTransfer {
	out := &financev1.LedgerTransfer{
		Id: t.ID, CommandId: t.CommandID, DebitAccountId: t.DebitAccount, CreditAccountId: t.CreditAccount,
		AmountMinor: t.Amount, CurrencyCode: t.Currency, Code: string(t.Code), Reference: t.Reference,
		Phase: string(t.Phase), PendingId: t.PendingID, CreatedAt: timestamppb.New(t.CreatedAt),
		DebitBalance: ledgerBalanceProto(t.DebitBalance), CreditBalance: ledgerBalanceProto(t.CreditBalance),
	}
	if !t.ExpiresAt.IsZero() {
		out.ExpiresAt = timestamppb.New(t.ExpiresAt)
	}
	if r := t.Rate; r != nil {
		out.Rate = &financev1.RateSnapshot{FromCurrency: r.From, ToCurrency: r.To, Rate: r.Rate, Source: r.Source, QuoteId: r.QuoteID}
		if !r.AsOf.IsZero() {
			out.Rate.AsOf = timestamppb.New(r.AsOf)
		}
	}
	return out
}
