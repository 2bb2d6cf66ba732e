package app

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
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
// partner and line: a retry answers the first split, even when the
// supplier's rate changed since. What the partner owes us leaves by
// RecordPartnerWithdrawal.
func (e *Escrows) CreditPartnerSettlement(ctx context.Context, caller auth.Caller, in PartnerCreditInput) (escrow.PartnerPlan, error) {
	if _, err := requireService(caller); err != nil {
		return escrow.PartnerPlan{}, err
	}
	in.SupplierOrgID = canonicalOrg(in.SupplierOrgID)
	bps, err := e.commissionBps(ctx, in.SupplierOrgID)
	if err != nil {
		return escrow.PartnerPlan{}, err
	}
	in.CommissionBps = bps
	if in.BookedCommission, err = e.bookedCommission(ctx, in); err != nil {
		return escrow.PartnerPlan{}, err
	}
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

// bookedCommission is the commission a line's credit booked when it was
// recorded before, nil when it was not: a retry repeats the first command
// (the ledger answers its first result) even when the supplier's rate
// changed since, as a credit cut short by a crash is retried later. The
// line's transfers are told from another partner's line of the same id by
// the partner's accounts they draw on.
func (e *Escrows) bookedCommission(ctx context.Context, in PartnerCreditInput) (*int64, error) {
	prior, err := e.ledger.TransfersByReference(ctx, in.LineID)
	if err != nil || len(prior) == 0 {
		return nil, err
	}
	var virtual, settlement, revenue string
	for ref, id := range map[ledger.AccountRef]*string{escrow.PartnerVirtual(in.PartnerID, in.Currency): &virtual,
		escrow.PartnerSettlement(in.PartnerID, in.Currency): &settlement, escrow.Revenue(in.Currency): &revenue} {
		if *id, err = e.openedAccountID(ctx, ref); err != nil {
			return nil, err
		}
	}
	var recorded bool
	var booked int64
	for _, t := range prior {
		if t.DebitAccount != virtual && t.DebitAccount != settlement {
			continue
		}
		recorded = true
		if t.DebitAccount == virtual && t.CreditAccount == revenue {
			booked = t.Amount
		}
	}
	if !recorded {
		return nil, nil
	}
	return &booked, nil
}

// PartnerWithdrawalInput is money the platform withdrew from its virtual
// seller account at a partner (a partner's payout to our bank).
type PartnerWithdrawalInput struct {
	PartnerID    string
	WithdrawalID string
	Amount       int64
	Currency     string
	// ExcessUnallocated books the part of Amount beyond what the virtual
	// account holds to the partner's unallocated receipts instead of
	// refusing the withdrawal: an operator's decision on a payout that
	// covers lines we will never credit (a dismissed line).
	ExcessUnallocated bool
}

// PartnerWithdrawalResult is a recorded withdrawal and how much of it went
// to the partner's unallocated receipts.
type PartnerWithdrawalResult struct {
	ledger.Result
	Unallocated int64
}

// RecordPartnerWithdrawal records a withdrawal from a partner virtual
// account to the platform's bank, idempotent on the partner and withdrawal
// id: a retry with the same body answers the first result and moves
// nothing; another body is AlreadyExists. More than the account holds is
// FailedPrecondition and nothing moves, unless the excess is to be booked
// unallocated: then the account gives what it holds and the rest is
// credited to the partner's unallocated receipts, split once (a retry
// answers the first split, whatever the account holds by then). Services
// only; emits finance.partner.withdrawn.
func (e *Escrows) RecordPartnerWithdrawal(ctx context.Context, caller auth.Caller, in PartnerWithdrawalInput) (PartnerWithdrawalResult, error) {
	if _, err := requireService(caller); err != nil {
		return PartnerWithdrawalResult{}, err
	}
	w := escrow.PartnerWithdrawal{PartnerID: in.PartnerID, WithdrawalID: in.WithdrawalID, Amount: in.Amount, Currency: in.Currency}
	if in.ExcessUnallocated {
		// Bad input is refused before the ledger is read for the split.
		if _, err := escrow.PlanPartnerWithdrawal(w); err != nil {
			return PartnerWithdrawalResult{}, err
		}
		u, err := e.unallocatedPart(ctx, w)
		if err != nil {
			return PartnerWithdrawalResult{}, err
		}
		w.Unallocated = u
	}
	transfers, err := escrow.PlanPartnerWithdrawal(w)
	if err != nil {
		return PartnerWithdrawalResult{}, err
	}
	ev := &financev1.PartnerWithdrawn{PartnerId: in.PartnerID, WithdrawalId: in.WithdrawalID, Amount: moneyProto(in.Amount, in.Currency),
		Unallocated: moneyProto(w.Unallocated, in.Currency), OccurredAt: timestamppb.New(e.fin.clock())}
	res, err := e.ledger.Execute(ctx, ledger.Command{IdempotencyKey: escrow.PartnerWithdrawalRef(in.PartnerID, in.WithdrawalID), Transfers: transfers},
		outbox.Message{Subject: "finance.partner.withdrawn", Payload: ev})
	if err != nil {
		return PartnerWithdrawalResult{}, err
	}
	return PartnerWithdrawalResult{Result: res, Unallocated: w.Unallocated}, nil
}

// unallocatedPart is how much of a withdrawal the partner's virtual
// account does not hold: what was booked unallocated the first time when
// the withdrawal was recorded before, so a retry repeats the first command.
// A concurrent withdrawal that leaves the account short is refused by the
// account's flag when the command runs; a concurrent credit only leaves
// the account holding more.
func (e *Escrows) unallocatedPart(ctx context.Context, w escrow.PartnerWithdrawal) (int64, error) {
	prior, err := e.ledger.TransfersByReference(ctx, escrow.PartnerWithdrawalRef(w.PartnerID, w.WithdrawalID))
	if err != nil {
		return 0, err
	}
	if len(prior) > 0 {
		unallocated, err := e.openedAccountID(ctx, escrow.PartnerUnallocated(w.PartnerID, w.Currency))
		if err != nil || unallocated == "" {
			return 0, err
		}
		var u int64
		for _, t := range prior {
			if t.CreditAccount == unallocated {
				u += t.Amount
			}
		}
		return u, nil
	}
	var held int64
	acct, err := e.ledger.AccountByRef(ctx, escrow.PartnerVirtual(w.PartnerID, w.Currency))
	switch {
	case err == nil:
		b := acct.Balance
		held = max(0, b.DebitsPosted-b.CreditsPosted-b.CreditsPending)
	case !apperr.IsKind(err, apperr.KindNotFound):
		return 0, err
	}
	return max(0, w.Amount-held), nil
}

// openedAccountID is the id of the account ref names, "" when no transfer
// has opened it yet.
func (e *Escrows) openedAccountID(ctx context.Context, ref ledger.AccountRef) (string, error) {
	acct, err := e.ledger.AccountByRef(ctx, ref)
	if apperr.IsKind(err, apperr.KindNotFound) {
		return "", nil
	}
	return acct.ID, err
}

// PartnerAllocationInput is an operator's move out of a partner's
// unallocated receipts.
type PartnerAllocationInput = escrow.PartnerAllocation

// AllocatePartnerReceipts moves money out of a partner's unallocated
// receipts to revenue or back to the partner (admins), idempotent on the
// partner and allocation id; more than the receipts hold is
// FailedPrecondition and nothing moves. The note and the admin are written
// with the transfer in finance.partner.receipts_allocated.
func (e *Escrows) AllocatePartnerReceipts(ctx context.Context, caller auth.Caller, in PartnerAllocationInput) (ledger.Result, error) {
	admin, err := requireAdmin(caller)
	if err != nil {
		return ledger.Result{}, err
	}
	transfers, err := escrow.PlanPartnerAllocation(in)
	if err != nil {
		return ledger.Result{}, err
	}
	ev := &financev1.PartnerReceiptsAllocated{PartnerId: in.PartnerID, AllocationId: in.AllocationID, Amount: moneyProto(in.Amount, in.Currency),
		Allocation: ReceiptAllocations[in.To], Note: in.Note, AllocatedBy: admin, OccurredAt: timestamppb.New(e.fin.clock())}
	return e.ledger.Execute(ctx, ledger.Command{IdempotencyKey: escrow.PartnerAllocationRef(in.PartnerID, in.AllocationID), Transfers: transfers},
		outbox.Message{Subject: "finance.partner.receipts_allocated", Payload: ev})
}

// ReceiptAllocations names the domain's allocations in the API and its
// events.
var ReceiptAllocations = map[escrow.ReceiptAllocation]financev1.ReceiptAllocation{
	escrow.AllocateToRevenue: financev1.ReceiptAllocation_RECEIPT_ALLOCATION_REVENUE,
	escrow.AllocateToPartner: financev1.ReceiptAllocation_RECEIPT_ALLOCATION_RETURNED_TO_PARTNER,
}
