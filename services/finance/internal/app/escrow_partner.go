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

// PartnerCreditInput is a partner platform's settlement line.
type PartnerCreditInput = escrow.PartnerSettlementLine

// CreditPartnerSettlement books a partner settlement line: the partner
// virtual account (our money at the partner) is debited with the supplier's
// payable and the platform's commission (the supplier's rate), and the fees
// the partner kept are recorded in its fees account; idempotent on the
// partner and line. What the partner owes us leaves by
// RecordPartnerWithdrawal.
func (e *Escrows) CreditPartnerSettlement(ctx context.Context, caller auth.Caller, in PartnerCreditInput) (escrow.PartnerPlan, error) {
	if _, err := requireService(caller); err != nil {
		return escrow.PartnerPlan{}, err
	}
	bps, err := e.commissionBps(ctx, in.SupplierOrgID)
	if err != nil {
		return escrow.PartnerPlan{}, err
	}
	in.CommissionBps = bps
	plan, err := escrow.PlanPartnerSettlement(in)
	if err != nil {
		return escrow.PartnerPlan{}, err
	}
	ev := &financev1.PartnerCredited{PartnerId: in.PartnerID, LineId: in.LineID, SupplierOrgId: in.SupplierOrgID,
		Gross: moneyProto(in.Gross, in.Currency), SupplierNet: moneyProto(plan.SupplierNet, in.Currency),
		Commission: moneyProto(plan.Commission, in.Currency), Fees: moneyProto(plan.Fees, in.Currency), OccurredAt: timestamppb.New(e.fin.clock())}
	if _, err := e.ledger.Execute(ctx, ledger.Command{IdempotencyKey: partnerKey(in.PartnerID, in.LineID), Transfers: plan.Transfers},
		outbox.Message{Subject: "finance.partner.credited", Payload: ev}); err != nil {
		return escrow.PartnerPlan{}, err
	}
	return plan, nil
}

// PartnerWithdrawalInput is money the platform withdrew from its virtual
// seller account at a partner.
type PartnerWithdrawalInput = escrow.PartnerWithdrawal

// RecordPartnerWithdrawal records a withdrawal from a partner virtual
// account to the platform's bank, idempotent on the partner and withdrawal
// id: a retry with the same body answers the first result and moves
// nothing; another body is AlreadyExists. More than the account holds is
// FailedPrecondition and nothing moves. Services only; emits
// finance.partner.withdrawn.
func (e *Escrows) RecordPartnerWithdrawal(ctx context.Context, caller auth.Caller, in PartnerWithdrawalInput) (ledger.Result, error) {
	if _, err := requireService(caller); err != nil {
		return ledger.Result{}, err
	}
	transfers, err := escrow.PlanPartnerWithdrawal(in)
	if err != nil {
		return ledger.Result{}, err
	}
	ev := &financev1.PartnerWithdrawn{PartnerId: in.PartnerID, WithdrawalId: in.WithdrawalID, Amount: moneyProto(in.Amount, in.Currency),
		OccurredAt: timestamppb.New(e.fin.clock())}
	return e.ledger.Execute(ctx, ledger.Command{IdempotencyKey: escrow.PartnerWithdrawalRef(in.PartnerID, in.WithdrawalID), Transfers: transfers},
		outbox.Message{Subject: "finance.partner.withdrawn", Payload: ev})
}
