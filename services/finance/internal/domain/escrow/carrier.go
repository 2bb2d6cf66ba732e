package escrow

import (
	"unicode/utf8"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

// CarrierPayment is the platform paying a carrier what its payable holds:
// the freight legs paid to it from escrows and the freight expense.
type CarrierPayment struct {
	CarrierID string
	PaymentID string
	Amount    int64
	Currency  string
	// Note says what it paid; it travels in the payment's event.
	Note string
}

// MaxCarrierPaymentNote bounds a carrier payment's note, in characters.
const MaxCarrierPaymentNote = 2000

// PlanCarrierPayment debits the carrier's payable (whose flag refuses
// taking more than it holds) into the carrier's settlement, outside the
// book.
func PlanCarrierPayment(p CarrierPayment) ([]ledger.TransferSpec, error) {
	var v apperr.Violations
	required(&v, "carrier_id", p.CarrierID)
	required(&v, "payment_id", p.PaymentID)
	positive(&v, "amount_minor", p.Amount)
	transactable(&v, "amount.currency_code", p.Currency)
	if len(p.CarrierID) > 64 {
		v.Add("carrier_id", "must be at most 64 characters")
	}
	if len(p.PaymentID) > 200 {
		v.Add("payment_id", "must be at most 200 characters")
	}
	if utf8.RuneCountInString(p.Note) > MaxCarrierPaymentNote {
		v.Add("note", "must be at most 2000 characters")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return []ledger.TransferSpec{posted(CarrierPayable(p.CarrierID, p.Currency), CarrierSettlement(p.CarrierID, p.Currency), p.Amount,
		ledger.CodeCarrierPayment, CarrierPaymentRef(p.CarrierID, p.PaymentID), nil)}, nil
}

// CarrierPaymentRef is a carrier payment's reference and idempotency key.
func CarrierPaymentRef(carrierID, paymentID string) string {
	return "carrier-payment:" + carrierID + ":" + paymentID
}
