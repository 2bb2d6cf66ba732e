package escrow

import "github.com/crossdock/crossdock/services/finance/internal/domain/ledger"

// Platform owns the platform's own accounts.
var Platform = ledger.Owner{Type: ledger.OwnerPlatform, ID: "platform"}

func ref(kind ledger.Kind, owner ledger.Owner, currency string) ledger.AccountRef {
	return ledger.AccountRef{Kind: kind, Owner: owner, Currency: currency}
}

// BuyerWallet is a buyer's wallet in a currency.
func BuyerWallet(userID, currency string) ledger.AccountRef {
	return ref(ledger.KindBuyerWallet, ledger.Owner{Type: ledger.OwnerUser, ID: userID}, currency)
}

// MerchantDeposit is a merchant organization's prepaid deposit in a currency.
func MerchantDeposit(orgID, currency string) ledger.AccountRef {
	return ref(ledger.KindMerchantDeposit, ledger.Owner{Type: ledger.OwnerOrganization, ID: orgID}, currency)
}

// Escrow is a sub-order's escrow account, in the supplier's currency.
func Escrow(subOrderID, currency string) ledger.AccountRef {
	return ref(ledger.KindEscrow, ledger.Owner{Type: ledger.OwnerOrder, ID: subOrderID}, currency)
}

// SupplierPayable is what the platform owes a supplier organization.
func SupplierPayable(orgID, currency string) ledger.AccountRef {
	return ref(ledger.KindSupplierPayable, ledger.Owner{Type: ledger.OwnerOrganization, ID: orgID}, currency)
}

// CarrierPayable is what the platform owes a carrier.
func CarrierPayable(carrierID, currency string) ledger.AccountRef {
	return ref(ledger.KindCarrierPayable, ledger.Owner{Type: ledger.OwnerCarrier, ID: carrierID}, currency)
}

// Revenue is the platform's commission revenue in a currency.
func Revenue(currency string) ledger.AccountRef {
	return ref(ledger.KindPlatformRevenue, Platform, currency)
}

// FXClearing is the currency's FX clearing account: every conversion passes
// through the clearing accounts of both its currencies.
func FXClearing(currency string) ledger.AccountRef {
	return ref(ledger.KindFXClearing, Platform, currency)
}

// FXGainLoss takes the differences of converting back at an old rate.
func FXGainLoss(currency string) ledger.AccountRef {
	return ref(ledger.KindFXGainLoss, Platform, currency)
}

// FreightExpense is the platform's expense for the freight of orders with no
// escrow (partner platforms' orders).
func FreightExpense(currency string) ledger.AccountRef {
	return ref(ledger.KindFreightExpense, Platform, currency)
}

// CouponExpense is the platform's expense for the discounts it funds.
func CouponExpense(currency string) ledger.AccountRef {
	return ref(ledger.KindCouponExpense, Platform, currency)
}

// PartnerVirtual is the platform's virtual seller account at a partner.
func PartnerVirtual(partnerID, currency string) ledger.AccountRef {
	return ref(ledger.KindPartnerVirtual, ledger.Owner{Type: ledger.OwnerPartner, ID: partnerID}, currency)
}

// CarrierSettlement is where a carrier's payments go, outside the book.
func CarrierSettlement(carrierID, currency string) ledger.AccountRef {
	return ref(ledger.KindCarrierSettlement, ledger.Owner{Type: ledger.OwnerCarrier, ID: carrierID}, currency)
}

// PartnerSettlement is a partner's settlement source, outside the book.
func PartnerSettlement(partnerID, currency string) ledger.AccountRef {
	return ref(ledger.KindPartnerSettlement, ledger.Owner{Type: ledger.OwnerPartner, ID: partnerID}, currency)
}

// PartnerFees are the fees a partner keeps from its settlements.
func PartnerFees(partnerID, currency string) ledger.AccountRef {
	return ref(ledger.KindPartnerFees, ledger.Owner{Type: ledger.OwnerPartner, ID: partnerID}, currency)
}

// PartnerUnallocated holds what a partner paid out beyond the lines we
// credited, until an operator allocates it.
func PartnerUnallocated(partnerID, currency string) ledger.AccountRef {
	return ref(ledger.KindPartnerUnallocated, ledger.Owner{Type: ledger.OwnerPartner, ID: partnerID}, currency)
}

// Payout is money leaving to a bank, outside the book.
func Payout(currency string) ledger.AccountRef {
	return ref(ledger.KindPayout, Platform, currency)
}
