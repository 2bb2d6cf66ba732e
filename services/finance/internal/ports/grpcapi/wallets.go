package grpcapi

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	"github.com/crossdock/crossdock/pkg/idempotency"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
	"github.com/crossdock/crossdock/services/finance/internal/domain/wallet"
)

// WebhookMethod takes no access token: the payment provider's signature,
// verified by the use case, authenticates it.
const WebhookMethod = "/crossdock.finance.v1.WalletService/HandleProviderWebhook"

// WalletServer implements financev1.WalletServiceServer over the wallet use
// cases.
type WalletServer struct {
	financev1.UnimplementedWalletServiceServer
	wallets *app.Wallets
}

// NewWallets returns the gRPC API of the wallet use cases.
func NewWallets(w *app.Wallets) *WalletServer { return &WalletServer{wallets: w} }

// Register adds the API to a gRPC server.
func (s *WalletServer) Register(g grpc.ServiceRegistrar) { financev1.RegisterWalletServiceServer(g, s) }

// GetWallet returns a wallet's balances (buyers their own, admins any).
func (s *WalletServer) GetWallet(ctx context.Context, req *financev1.GetWalletRequest) (*financev1.GetWalletResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	accounts, err := s.wallets.WalletBalances(ctx, c, req.GetUserId())
	if err != nil {
		return nil, err
	}
	return &financev1.GetWalletResponse{Balances: balancesProto(accounts)}, nil
}

// ListWalletTransfers returns a wallet's statement in a currency (buyers their own, admins any).
func (s *WalletServer) ListWalletTransfers(ctx context.Context, req *financev1.ListWalletTransfersRequest) (*financev1.ListWalletTransfersResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	st, err := s.wallets.WalletStatement(ctx, c, req.GetUserId(), req.GetCurrencyCode(), int(req.GetPage().GetPageSize()), req.GetPage().GetPageToken())
	if err != nil {
		return nil, err
	}
	return &financev1.ListWalletTransfersResponse{
		Balance: balanceProto(st.Account), Transfers: transfersProto(st.Account.ID, st.Transfers),
		Page: &commonv1.PageResponse{NextPageToken: st.NextPageToken},
	}, nil
}

// CreateTopUp starts a card payment into the caller's wallet (buyers).
func (s *WalletServer) CreateTopUp(ctx context.Context, req *financev1.CreateTopUpRequest) (*financev1.CreateTopUpResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	t, err := s.wallets.CreateTopUp(ctx, c, wallet.TopUpInput{
		Amount: req.GetAmount().GetAmountMinor(), Currency: req.GetAmount().GetCurrencyCode(), IdempotencyKey: idempotency.Key(ctx, req.GetIdempotencyKey()),
	})
	if err != nil {
		return nil, err
	}
	return &financev1.CreateTopUpResponse{TopUp: topUpProto(t), ClientSecret: t.ClientSecret, ConfirmUrl: t.ConfirmURL}, nil
}

// CreateDepositTopUp starts a card payment into a merchant's deposit (its members).
func (s *WalletServer) CreateDepositTopUp(ctx context.Context, req *financev1.CreateDepositTopUpRequest) (*financev1.CreateDepositTopUpResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	t, err := s.wallets.CreateDepositTopUp(ctx, c, req.GetOrganizationId(), wallet.TopUpInput{
		Amount: req.GetAmount().GetAmountMinor(), Currency: req.GetAmount().GetCurrencyCode(), IdempotencyKey: idempotency.Key(ctx, req.GetIdempotencyKey()),
	})
	if err != nil {
		return nil, err
	}
	return &financev1.CreateDepositTopUpResponse{TopUp: topUpProto(t), ClientSecret: t.ClientSecret, ConfirmUrl: t.ConfirmURL}, nil
}

// GetTopUp returns a top-up to whoever may see it.
func (s *WalletServer) GetTopUp(ctx context.Context, req *financev1.GetTopUpRequest) (*financev1.GetTopUpResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	t, err := s.wallets.GetTopUp(ctx, c, req.GetTopUpId())
	if err != nil {
		return nil, err
	}
	return &financev1.GetTopUpResponse{TopUp: topUpProto(t)}, nil
}

// GetMerchantDeposit returns a merchant's deposit and its changes.
func (s *WalletServer) GetMerchantDeposit(ctx context.Context, req *financev1.GetMerchantDepositRequest) (*financev1.GetMerchantDepositResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	d, err := s.wallets.GetMerchantDeposit(ctx, c, req.GetOrganizationId(), req.GetCurrencyCode(), int(req.GetPage().GetPageSize()), req.GetPage().GetPageToken())
	if err != nil {
		return nil, err
	}
	return &financev1.GetMerchantDepositResponse{
		Balances: balancesProto(d.Accounts), Changes: transfersProto(d.Account.ID, d.Transfers),
		Page: &commonv1.PageResponse{NextPageToken: d.NextPageToken},
	}, nil
}

// DebitMerchantDeposit pays a merchant order from its deposit (services).
func (s *WalletServer) DebitMerchantDeposit(ctx context.Context, req *financev1.DebitMerchantDepositRequest) (*financev1.DebitMerchantDepositResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	res, err := s.wallets.DebitMerchantDeposit(ctx, c, app.DepositDebit{
		OrderReference: req.GetOrderReference(), OrganizationID: req.GetOrganizationId(),
		Amount: req.GetAmount().GetAmountMinor(), Currency: req.GetAmount().GetCurrencyCode(),
	})
	if err != nil {
		return nil, err
	}
	out := &financev1.DebitMerchantDepositResponse{Replayed: res.Replayed}
	if len(res.Transfers) > 0 {
		out.TransferId = res.Transfers[0].ID
	}
	return out, nil
}

// GetSupplierPayable returns what the platform owes a supplier.
func (s *WalletServer) GetSupplierPayable(ctx context.Context, req *financev1.GetSupplierPayableRequest) (*financev1.GetSupplierPayableResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	accounts, err := s.wallets.SupplierPayable(ctx, c, req.GetOrganizationId())
	if err != nil {
		return nil, err
	}
	return &financev1.GetSupplierPayableResponse{Balances: balancesProto(accounts)}, nil
}

// CreatePayout pays a supplier's payable out to its bank (its owners).
func (s *WalletServer) CreatePayout(ctx context.Context, req *financev1.CreatePayoutRequest) (*financev1.CreatePayoutResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.wallets.CreatePayout(ctx, c, req.GetOrganizationId(), wallet.PayoutInput{
		Amount: req.GetAmount().GetAmountMinor(), Currency: req.GetAmount().GetCurrencyCode(),
		Destination: req.GetDestination(), IdempotencyKey: idempotency.Key(ctx, req.GetIdempotencyKey()),
	})
	if err != nil {
		return nil, err
	}
	return &financev1.CreatePayoutResponse{Payout: payoutProto(p)}, nil
}

// ListPayouts returns a supplier's payouts.
func (s *WalletServer) ListPayouts(ctx context.Context, req *financev1.ListPayoutsRequest) (*financev1.ListPayoutsResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	list, next, err := s.wallets.ListPayouts(ctx, c, req.GetOrganizationId(), int(req.GetPage().GetPageSize()), req.GetPage().GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &financev1.ListPayoutsResponse{Page: &commonv1.PageResponse{NextPageToken: next}}
	for _, p := range list {
		out.Payouts = append(out.Payouts, payoutProto(p))
	}
	return out, nil
}

// HandleProviderWebhook applies a provider webhook delivery; no access token.
func (s *WalletServer) HandleProviderWebhook(ctx context.Context, req *financev1.HandleProviderWebhookRequest) (*financev1.HandleProviderWebhookResponse, error) {
	applied, err := s.wallets.HandleProviderWebhook(ctx, req.GetSignature(), req.GetPayload())
	if err != nil {
		return nil, err
	}
	return &financev1.HandleProviderWebhookResponse{Applied: applied}, nil
}

func balanceProto(a ledger.Account) *financev1.Balance {
	return &financev1.Balance{
		CurrencyCode: a.Currency, AccountId: a.ID, PostedMinor: a.Balance.Net(),
		AvailableMinor: a.Balance.Available(), PendingDebitsMinor: a.Balance.DebitsPending,
	}
}

func balancesProto(accounts []ledger.Account) []*financev1.Balance {
	out := make([]*financev1.Balance, 0, len(accounts))
	for _, a := range accounts {
		out = append(out, balanceProto(a))
	}
	return out
}

// transfersProto signs each transfer from the account's side: a credit
// is positive, a debit negative.
func transfersProto(accountID string, ts []ledger.Transfer) []*financev1.Transfer {
	out := make([]*financev1.Transfer, 0, len(ts))
	for _, t := range ts {
		amount := t.Amount
		if t.DebitAccount == accountID {
			amount = -amount
		}
		out = append(out, &financev1.Transfer{
			Id: t.ID, Amount: &commonv1.Money{AmountMinor: amount, CurrencyCode: t.Currency}, Code: string(t.Code),
			Reference: t.Reference, Phase: string(t.Phase), CreatedAt: timestamppb.New(t.CreatedAt),
		})
	}
	return out
}

func topUpProto(t wallet.TopUp) *financev1.TopUp {
	return &financev1.TopUp{
		Id: t.ID, Purpose: string(t.Purpose), OwnerId: t.OwnerID, Amount: &commonv1.Money{AmountMinor: t.Amount, CurrencyCode: t.Currency},
		State: string(t.State), IntentId: t.IntentID, FailureCode: t.FailureCode,
		CreatedAt: timestamppb.New(t.CreatedAt), UpdatedAt: timestamppb.New(t.UpdatedAt),
	}
}

func payoutProto(p wallet.Payout) *financev1.Payout {
	return &financev1.Payout{
		Id: p.ID, OrganizationId: p.OrganizationID, Amount: &commonv1.Money{AmountMinor: p.Amount, CurrencyCode: p.Currency},
		Destination: p.Destination, State: string(p.State), ProviderPayoutId: p.ProviderPayoutID, FailureCode: p.FailureCode,
		CreatedAt: timestamppb.New(p.CreatedAt), UpdatedAt: timestamppb.New(p.UpdatedAt),
	}
}
