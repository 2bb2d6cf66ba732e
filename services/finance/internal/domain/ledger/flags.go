package ledger

// FlagsFor returns the flags the ledger gives an account of kind when it
// opens it. The choice, by what an account holds:
//
//   - Money we hold for someone or owe someone (buyer wallet, escrow, supplier
//     and carrier payables, merchant deposit, platform revenue, partner fees,
//     a partner's unallocated receipts) is credit-normal and may never be overdrawn:
//     FlagDebitsMustNotExceedCredits, pending debits included.
//   - Coupon and freight expense are debit-normal:
//     FlagCreditsMustNotExceedDebits, so an expense can be reversed but never
//     turned into income.
//   - The partner virtual account is the platform's money held at a partner
//     platform, an asset: debit-normal, FlagCreditsMustNotExceedDebits. A
//     settlement line debits it with what the partner owes us; a withdrawal
//     credits it, and can never take out more than it holds.
//   - FX clearing and FX gain/loss are the platform's own position: a
//     conversion debits one currency's clearing account while it credits the
//     other's, and a conversion back at an old rate is a gain or a loss, so
//     either sign is legitimate. They carry no limit but are not external:
//     they are ours, and the trial balance reports them.
//   - The world outside (payment provider, payout, partner and carrier
//     settlement) is FlagExternal: the only accounts without any limit.
//
// A supplier payable therefore cannot go negative: an after-sale claw-back
// beyond what we still owe is refused with FailedPrecondition and waits. A
// deployment that lets claw-backs run a supplier's payable negative opens
// those accounts with different flags (the postgres adapter's
// WithKindFlags); callers decide from Account.Flags, which is what the
// account was opened with.
//
// An unknown kind gets FlagDebitsMustNotExceedCredits, the safe default, but
// Validate refuses unknown kinds before any account is opened.
func FlagsFor(kind Kind) Flags {
	switch kind {
	case KindCouponExpense, KindFreightExpense, KindPartnerVirtual:
		return FlagCreditsMustNotExceedDebits
	case KindFXClearing, KindFXGainLoss:
		return 0
	case KindPaymentProvider, KindPayout, KindPartnerSettlement, KindCarrierSettlement:
		return FlagExternal
	default:
		return FlagDebitsMustNotExceedCredits
	}
}

// Known reports whether k is one of the kinds finance keeps.
func (k Kind) Known() bool {
	switch k {
	case KindBuyerWallet, KindEscrow, KindSupplierPayable, KindMerchantDeposit, KindPartnerVirtual,
		KindCarrierPayable, KindPlatformRevenue, KindPartnerFees, KindPartnerUnallocated, KindCouponExpense, KindFreightExpense, KindFXClearing,
		KindFXGainLoss, KindPaymentProvider, KindPayout, KindPartnerSettlement, KindCarrierSettlement:
		return true
	}
	return false
}

// Known reports whether t is one of the owner types finance knows.
func (t OwnerType) Known() bool {
	switch t {
	case OwnerUser, OwnerOrganization, OwnerPartner, OwnerCarrier, OwnerOrder, OwnerPlatform, OwnerProvider:
		return true
	}
	return false
}

// Known reports whether p is one of the four phases.
func (p Phase) Known() bool {
	switch p {
	case PhasePosted, PhasePending, PhasePostPending, PhaseVoidPending:
		return true
	}
	return false
}
