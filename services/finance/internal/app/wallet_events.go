package app

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/services/finance/internal/domain/wallet"
)

// Subjects of the wallet events (stream FINANCE); the payloads are the
// messages of crossdock/finance/v1/wallet_events.proto.
const (
	SubjectWalletToppedUp = "finance.wallet.topped_up"
	SubjectTopUpFailed    = "finance.wallet.top_up_failed"
	SubjectDepositChanged = "finance.deposit.changed"
	SubjectPayoutSent     = "finance.payout.sent"
	SubjectPayoutFailed   = "finance.payout.failed"
	SubjectPayoutReturned = "finance.payout.returned"
)

func moneyPB(amount int64, currency string) *commonv1.Money {
	return &commonv1.Money{AmountMinor: amount, CurrencyCode: currency}
}

// toppedUp is the event of a top-up's credit: WalletToppedUp for a wallet,
// DepositChanged for a merchant's deposit.
func toppedUp(t wallet.TopUp, intentID string, at time.Time) outbox.Message {
	if t.Purpose == wallet.PurposeDeposit {
		return depositChanged(t.OwnerID, t.Amount, t.Currency, "top_up", t.ID, at)
	}
	return outbox.Message{Subject: SubjectWalletToppedUp, Payload: &financev1.WalletToppedUp{
		TopUpId: t.ID, UserId: t.OwnerID, Amount: moneyPB(t.Amount, t.Currency), IntentId: intentID,
		OccurredAt: timestamppb.New(at),
	}}
}

func topUpFailed(t wallet.TopUp, at time.Time) outbox.Message {
	return outbox.Message{Subject: SubjectTopUpFailed, Payload: &financev1.TopUpFailed{
		TopUpId: t.ID, Purpose: string(t.Purpose), OwnerId: t.OwnerID, Amount: moneyPB(t.Amount, t.Currency),
		FailureCode: t.FailureCode, OccurredAt: timestamppb.New(at),
	}}
}

// depositChanged says a merchant's deposit moved by change (signed).
func depositChanged(org string, change int64, currency, reason, reference string, at time.Time) outbox.Message {
	return outbox.Message{Subject: SubjectDepositChanged, Payload: &financev1.DepositChanged{
		OrganizationId: org, Change: moneyPB(change, currency), Reason: reason, Reference: reference,
		OccurredAt: timestamppb.New(at),
	}}
}

func payoutSent(p wallet.Payout, at time.Time) outbox.Message {
	return outbox.Message{Subject: SubjectPayoutSent, Payload: &financev1.PayoutSent{
		PayoutId: p.ID, OrganizationId: p.OrganizationID, Amount: moneyPB(p.Amount, p.Currency),
		ProviderPayoutId: p.ProviderPayoutID, OccurredAt: timestamppb.New(at),
	}}
}

func payoutReturned(p wallet.Payout, code string, at time.Time) outbox.Message {
	return outbox.Message{Subject: SubjectPayoutReturned, Payload: &financev1.PayoutReturned{
		PayoutId: p.ID, OrganizationId: p.OrganizationID, Amount: moneyPB(p.Amount, p.Currency),
		FailureCode: code, OccurredAt: timestamppb.New(at),
	}}
}

func payoutFailed(p wallet.Payout, code string, at time.Time) outbox.Message {
	return outbox.Message{Subject: SubjectPayoutFailed, Payload: &financev1.PayoutFailed{
		PayoutId: p.ID, OrganizationId: p.OrganizationID, Amount: moneyPB(p.Amount, p.Currency),
		FailureCode: code, OccurredAt: timestamppb.New(at),
	}}
}
