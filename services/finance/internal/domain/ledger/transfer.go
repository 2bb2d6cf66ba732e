package ledger

import "time"

// Code says why money moved; statements and reports group by it.
type Code string

// The reasons money moves.
const (
	CodeTopUp           Code = "top_up"           // provider → buyer wallet or merchant deposit
	CodePayment         Code = "payment"          // buyer wallet → escrow (through FX clearing when converted)
	CodeConversion      Code = "conversion"       // an FX clearing leg of a conversion
	CodeFreightLeg      Code = "freight_leg"      // escrow → carrier payable
	CodeSettlementGoods Code = "settlement_goods" // escrow → supplier payable
	CodeCommission      Code = "commission"       // escrow → platform revenue
	CodeEscrowRefund    Code = "escrow_refund"    // escrow remainder → buyer wallet
	CodeFXDifference    Code = "fx_difference"    // FX gain/loss booked on a conversion back
	CodeTopUpPayment    Code = "top_up_payment"   // buyer wallet → escrow for a top-up request
	CodeRefund          Code = "refund"           // after-sale refund to the buyer
	CodeClawBack        Code = "claw_back"        // supplier payable → buyer after settlement
	CodePayout          Code = "payout"           // payable or deposit → payout (bank)
	CodePayoutReturn    Code = "payout_return"    // payout (bank) → payable: a paid payout the bank sent back
	CodeDepositDebit    Code = "deposit_debit"    // merchant deposit → escrow for a merchant order
	CodePartnerFee      Code = "partner_fee"      // partner settlement → partner fees: what a partner kept
	CodePartnerSplit    Code = "partner_split"    // partner virtual → supplier payable / revenue
	CodeWithdrawal      Code = "withdrawal"       // payout ← partner virtual: money out of a partner
	CodeCoupon          Code = "coupon"           // coupon expense → escrow
	CodeCouponReclaim   Code = "coupon_reclaim"   // supplier payable → coupon expense: a returned good's coupon funding
	CodeCouponLowered   Code = "coupon_lowered"   // escrow → coupon expense: a coupon's funding lowered before settlement
	CodeCarrierPayment  Code = "carrier_payment"  // carrier payable → carrier settlement
	// CodeCommissionReturn is platform revenue → supplier payable: the
	// commission's share of goods returned after settlement, given back
	// with the claw-back or coupon reclaim that takes those goods' price
	// from the payable.
	CodeCommissionReturn Code = "commission_return"
	// CodeFreightRecovered is escrow → freight expense at settlement: the
	// freight legs the platform paid because the escrow could not, billed
	// to the buyer with the goods.
	CodeFreightRecovered Code = "freight_recovered"
	// CodePartnerAllocation moves a partner's unallocated receipts to revenue
	// or back to the partner, on an operator's decision.
	CodePartnerAllocation Code = "partner_allocation"
)

// Phase is where a transfer stands in the two-phase protocol.
type Phase string

const (
	// PhasePosted moves money at once.
	PhasePosted Phase = "posted"
	// PhasePending reserves money: it counts against the debit account's
	// limit but moves nothing until posted.
	PhasePending Phase = "pending"
	// PhasePostPending completes a pending transfer, for its whole amount or
	// less (the rest is released).
	PhasePostPending Phase = "post_pending"
	// PhaseVoidPending releases a pending transfer.
	PhaseVoidPending Phase = "void_pending"
)

// RateSnapshot is the rate a conversion leg used, kept on the transfer so a
// refund can convert back at exactly that rate. Rate is a plain decimal
// string (pkg/money's Rate format): 1 From buys Rate To.
type RateSnapshot struct {
	From, To string
	Rate     string
	Source   string
	// QuoteID is the FX quote that locked the rate, when there was one.
	QuoteID string
	AsOf    time.Time
}

// TransferSpec is one transfer as a command asks for it. For PhasePosted and
// PhasePending every field but PendingID is used; for PhasePostPending and
// PhaseVoidPending, PendingID names the pending transfer and the accounts
// are taken from it (Amount is what to post, 0 meaning all of it; ignored for
// a void).
type TransferSpec struct {
	Debit, Credit AccountRef
	// Amount is in minor units of Currency, always > 0 for a new transfer.
	Amount   int64
	Currency string
	Code     Code
	// Reference ties the transfer to the business object it serves: an
	// order, a sub-order, a freight leg, a settlement line.
	Reference string
	Phase     Phase
	// PendingID is the pending transfer a post or void completes.
	PendingID string
	// ExpiresAt is when a pending transfer lapses if neither posted nor
	// voided; zero means never.
	ExpiresAt time.Time
	// Rate is set on the legs of a conversion.
	Rate *RateSnapshot
}

// Transfer is a transfer as the ledger recorded it. Transfers are
// immutable: a correction is a new transfer.
type Transfer struct {
	ID string
	// CommandID is the command (ledger transaction) it belongs to.
	CommandID     string
	DebitAccount  string
	CreditAccount string
	Amount        int64
	Currency      string
	Code          Code
	Reference     string
	Phase         Phase
	PendingID     string
	ExpiresAt     time.Time
	Rate          *RateSnapshot
	CreatedAt     time.Time
	// DebitBalance and CreditBalance are the two accounts' balances right
	// after this transfer: a statement shows running balances, and an
	// account's balance at a past instant is the one after its last
	// transfer before that instant.
	DebitBalance, CreditBalance Balance
}
