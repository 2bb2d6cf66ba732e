package escrow

import (
	"strings"
	"unicode/utf8"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

// PartnerSettlementLine is what a partner platform settled for one sale made
// through our virtual seller account there.
type PartnerSettlementLine struct {
	PartnerID     string
	LineID        string
	SupplierOrgID string
	Currency      string
	// Gross is the sale's amount; Fees what the partner kept of it. The
	// supplier is owed Gross − Fees − commission.
	Gross, Fees   int64
	CommissionBps int64
	// BookedCommission, when set, is the commission the line's first
	// credit booked: a retry repeats the first command whatever the
	// supplier's rate is by then, instead of being refused as another
	// command under the same key.
	BookedCommission *int64
}

// PartnerPlan is a partner settlement's transfers and split.
type PartnerPlan struct {
	Transfers                     []ledger.TransferSpec
	SupplierNet, Commission, Fees int64
}

// PlanPartnerSettlement books a settlement line. The partner virtual account
// is the platform's money held at the partner (an asset, debit-normal): it
// grows by what the partner now owes us, Gross − Fees, as the supplier's
// payable and the platform's commission (on the gross, half-even) are
// credited from it. The fees never reach us: they are recorded from the
// partner's settlement source into the partner fees account, so the book
// keeps what each partner kept. The money leaves the virtual account by
// PlanPartnerWithdrawal.
func PlanPartnerSettlement(l PartnerSettlementLine) (PartnerPlan, error) {
	var v apperr.Violations
	required(&v, "partner_id", l.PartnerID)
	required(&v, "line_id", l.LineID)
	required(&v, "supplier_org_id", l.SupplierOrgID)
	positive(&v, "gross_minor", l.Gross)
	if l.Fees < 0 || l.Fees > l.Gross {
		v.Add("fees_minor", "must be between 0 and the gross amount")
	}
	transactable(&v, "currency_code", l.Currency)
	if err := v.Err(); err != nil {
		return PartnerPlan{}, err
	}
	c, err := commission(l.Gross, l.CommissionBps, l.Currency)
	if err != nil {
		return PartnerPlan{}, err
	}
	if l.BookedCommission != nil {
		c = *l.BookedCommission
	}
	p := PartnerPlan{Commission: c, Fees: l.Fees, SupplierNet: l.Gross - l.Fees - c}
	if p.SupplierNet < 0 {
		return PartnerPlan{}, apperr.InvalidField("fees_minor", "leave less than the platform's commission")
	}
	virtual := PartnerVirtual(l.PartnerID, l.Currency)
	for _, leg := range []struct {
		from, to ledger.AccountRef
		amount   int64
		code     ledger.Code
	}{
		{virtual, SupplierPayable(l.SupplierOrgID, l.Currency), p.SupplierNet, ledger.CodePartnerSplit},
		{virtual, Revenue(l.Currency), p.Commission, ledger.CodePartnerSplit},
		{PartnerSettlement(l.PartnerID, l.Currency), PartnerFees(l.PartnerID, l.Currency), p.Fees, ledger.CodePartnerFee},
	} {
		if leg.amount > 0 {
			p.Transfers = append(p.Transfers, posted(leg.from, leg.to, leg.amount, leg.code, l.LineID, nil))
		}
	}
	return p, nil
}

// PartnerWithdrawal is money the platform takes out of its virtual seller
// account at a partner into its own bank.
type PartnerWithdrawal struct {
	PartnerID    string
	WithdrawalID string
	Amount       int64
	Currency     string
	// Unallocated is the part of Amount the partner paid beyond the lines we
	// credited (an operator's decision on a payout covering a dismissed
	// line): it is booked to the partner's unallocated receipts instead of
	// being taken from the virtual account. Zero for an ordinary payout.
	Unallocated int64
}

// PlanPartnerWithdrawal moves a withdrawal from the partner virtual account
// to the platform's bank (the payout account, outside the book). The
// virtual account's flag (credits must not exceed debits) refuses taking
// more than the partner owes us. The unallocated part, if any, is credited
// to the partner's unallocated receipts instead, both transfers under the
// withdrawal's reference.
func PlanPartnerWithdrawal(w PartnerWithdrawal) ([]ledger.TransferSpec, error) {
	var v apperr.Violations
	required(&v, "partner_id", w.PartnerID)
	required(&v, "withdrawal_id", w.WithdrawalID)
	positive(&v, "amount_minor", w.Amount)
	if w.Unallocated < 0 || w.Unallocated > w.Amount {
		v.Add("unallocated_minor", "must be between 0 and the amount")
	}
	transactable(&v, "amount.currency_code", w.Currency)
	if err := v.Err(); err != nil {
		return nil, err
	}
	ref := PartnerWithdrawalRef(w.PartnerID, w.WithdrawalID)
	var out []ledger.TransferSpec
	if held := w.Amount - w.Unallocated; held > 0 {
		out = append(out, posted(Payout(w.Currency), PartnerVirtual(w.PartnerID, w.Currency), held, ledger.CodeWithdrawal, ref, nil))
	}
	if w.Unallocated > 0 {
		out = append(out, posted(Payout(w.Currency), PartnerUnallocated(w.PartnerID, w.Currency), w.Unallocated, ledger.CodeWithdrawal, ref, nil))
	}
	return out, nil
}

// PartnerWithdrawalRef is a partner withdrawal's reference and idempotency
// key.
func PartnerWithdrawalRef(partnerID, withdrawalID string) string {
	return "partner-withdrawal:" + partnerID + ":" + withdrawalID
}

// ReceiptAllocation is where money leaves a partner's unallocated receipts
// to.
type ReceiptAllocation string

// The allocations an operator can make.
const (
	// AllocateToRevenue keeps the money as the platform's income.
	AllocateToRevenue ReceiptAllocation = "revenue"
	// AllocateToPartner records it paid back to the partner.
	AllocateToPartner ReceiptAllocation = "returned_to_partner"
)

// MaxAllocationNote bounds an allocation's note, in characters.
const MaxAllocationNote = 2000

// PartnerAllocation is an operator's move out of a partner's unallocated
// receipts.
type PartnerAllocation struct {
	PartnerID    string
	AllocationID string
	Amount       int64
	Currency     string
	To           ReceiptAllocation
	// Note says why; it travels in the allocation's event.
	Note string
}

// PlanPartnerAllocation debits the partner's unallocated receipts (whose
// flag refuses taking more than they hold) and credits platform revenue,
// or the partner's settlement source (outside the book) for money paid
// back. The note is required: the decision turns money nobody could
// attribute into income or a payment.
func PlanPartnerAllocation(a PartnerAllocation) ([]ledger.TransferSpec, error) {
	var v apperr.Violations
	required(&v, "partner_id", a.PartnerID)
	required(&v, "allocation_id", a.AllocationID)
	positive(&v, "amount_minor", a.Amount)
	transactable(&v, "amount.currency_code", a.Currency)
	var to ledger.AccountRef
	switch a.To {
	case AllocateToRevenue:
		to = Revenue(a.Currency)
	case AllocateToPartner:
		to = PartnerSettlement(a.PartnerID, a.Currency)
	default:
		v.Add("allocation", "must be REVENUE or RETURNED_TO_PARTNER")
	}
	switch n := utf8.RuneCountInString(a.Note); {
	case strings.TrimSpace(a.Note) == "":
		v.Add("note", "is required: say why the money goes there")
	case n > MaxAllocationNote:
		v.Add("note", "must be at most 2000 characters")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return []ledger.TransferSpec{posted(PartnerUnallocated(a.PartnerID, a.Currency), to, a.Amount, ledger.CodePartnerAllocation,
		PartnerAllocationRef(a.PartnerID, a.AllocationID), nil)}, nil
}

// PartnerAllocationRef is a partner allocation's reference and idempotency
// key.
func PartnerAllocationRef(partnerID, allocationID string) string {
	return "partner-allocation:" + partnerID + ":" + allocationID
}
