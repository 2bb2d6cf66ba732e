package app

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/services/finance/internal/domain/escrow"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

// CarrierPaymentInput is an operator's record of a payment to a carrier.
type CarrierPaymentInput = escrow.CarrierPayment

// RecordCarrierPayment records that the platform paid a carrier (admins):
// its payable, credited with every freight leg paid to it, is debited into
// its settlement, idempotent on the carrier and payment id. More than the
// payable holds is FailedPrecondition and nothing moves. The note and the
// admin are written with the transfer in finance.carrier.paid.
func (e *Escrows) RecordCarrierPayment(ctx context.Context, caller auth.Caller, in CarrierPaymentInput) (ledger.Result, error) {
	admin, err := requireAdmin(caller)
	if err != nil {
		return ledger.Result{}, err
	}
	transfers, err := escrow.PlanCarrierPayment(in)
	if err != nil {
		return ledger.Result{}, err
	}
	ev := &financev1.CarrierPaid{CarrierId: in.CarrierID, PaymentId: in.PaymentID, Amount: moneyProto(in.Amount, in.Currency),
		Note: in.Note, PaidBy: admin, OccurredAt: timestamppb.New(e.fin.clock())}
	return e.ledger.Execute(ctx, ledger.Command{IdempotencyKey: escrow.CarrierPaymentRef(in.CarrierID, in.PaymentID), Transfers: transfers},
		outbox.Message{Subject: "finance.carrier.paid", Payload: ev})
}
