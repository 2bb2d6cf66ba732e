package ledger

import "time"

// Kind says what an account is for; it decides the account's flags when the
// ledger opens it on first use.
type Kind string

// The kinds of account finance keeps.
const (
	KindBuyerWallet       Kind = "buyer_wallet"       // a buyer's money held by us, per currency
	KindEscrow            Kind = "escrow"             // a sub-order's payment held until settlement
	KindSupplierPayable   Kind = "supplier_payable"   // what we owe a supplier
	KindMerchantDeposit   Kind = "merchant_deposit"   // a merchant's prepaid deposit
	KindPartnerVirtual    Kind = "partner_virtual"    // our money held at a partner platform (an asset)
	KindCarrierPayable    Kind = "carrier_payable"    // what we owe a carrier for confirmed freight
	KindPlatformRevenue   Kind = "platform_revenue"   // commission earned
	KindPartnerFees       Kind = "partner_fees"       // fees partner platforms keep from settlements
	KindCouponExpense     Kind = "coupon_expense"     // discounts the platform funds
	KindFXClearing        Kind = "fx_clearing"        // one per currency; conversions pass through it
	KindFXGainLoss        Kind = "fx_gain_loss"       // differences from converting back at an old rate
	KindPaymentProvider   Kind = "payment_provider"   // external: money arriving from a provider
	KindPayout            Kind = "payout"             // external: money leaving to a bank
	KindPartnerSettlement Kind = "partner_settlement" // external: a partner's settlement source
	KindCarrierSettlement Kind = "carrier_settlement" // external: money paid out to carriers

	// KindPartnerUnallocated holds what a partner paid out to us beyond the
	// lines we credited (a line an operator dismissed, say) until an
	// operator allocates it: money we received and cannot yet attribute.
	KindPartnerUnallocated Kind = "partner_unallocated"
	// KindFreightExpense is the freight the platform pays carriers for
	// orders with no escrow: those partner platforms sold, whose buyers paid
	// the partner.
	KindFreightExpense Kind = "freight_expense"
)

// OwnerType says whose an account is.
type OwnerType string

// The owners an account can have.
const (
	OwnerUser         OwnerType = "user"
	OwnerOrganization OwnerType = "organization"
	OwnerPartner      OwnerType = "partner"
	OwnerCarrier      OwnerType = "carrier"
	OwnerOrder        OwnerType = "order" // a sub-order, for escrow
	OwnerPlatform     OwnerType = "platform"
	OwnerProvider     OwnerType = "provider" // a payment provider
)

// Owner names the party an account belongs to. The platform's own accounts
// have OwnerPlatform and ID "platform".
type Owner struct {
	Type OwnerType
	ID   string
}

// Flags constrain an account's balance. Only External accounts may go
// negative in their normal direction without limit; the others carry one of
// the two limits, checked on every transfer against posted and pending
// amounts (a pending debit already counts against the limit).
type Flags uint32

const (
	// FlagExternal marks the world outside (providers, banks, partners'
	// settlement sources): no limit applies.
	FlagExternal Flags = 1 << iota
	// FlagDebitsMustNotExceedCredits keeps a credit-normal account (a wallet,
	// an escrow, a payable) from going below zero.
	FlagDebitsMustNotExceedCredits
	// FlagCreditsMustNotExceedDebits is the mirror, for debit-normal accounts
	// such as an expense.
	FlagCreditsMustNotExceedDebits
)

// Has reports whether every flag in f2 is set in f.
func (f Flags) Has(f2 Flags) bool { return f&f2 == f2 }

// AccountRef addresses an account by what it is rather than by id: the
// buyer wallet of user U in USD. The ledger opens the account the first
// time a transfer names it, with the flags its kind calls for.
type AccountRef struct {
	Kind     Kind
	Owner    Owner
	Currency string
}

// Balance is an account's four running totals, in minor units of its
// currency. Posted amounts are final; pending ones are reserved by two-phase
// transfers not yet posted or voided.
type Balance struct {
	DebitsPosted   int64
	CreditsPosted  int64
	DebitsPending  int64
	CreditsPending int64
}

// Net is credits minus debits, posted only: what a credit-normal account
// (a wallet) holds.
func (b Balance) Net() int64 { return b.CreditsPosted - b.DebitsPosted }

// Available is what a credit-normal account can still pay: its net minus the
// debits already reserved.
func (b Balance) Available() int64 { return b.CreditsPosted - b.DebitsPosted - b.DebitsPending }

// Account is one account and its balance.
type Account struct {
	ID string
	AccountRef
	Flags     Flags
	Balance   Balance
	CreatedAt time.Time
	// ClosedAt is set once the account is closed; a closed account takes no
	// new transfers.
	ClosedAt time.Time
}

// Closed reports whether the account takes no more transfers.
func (a Account) Closed() bool { return !a.ClosedAt.IsZero() }
