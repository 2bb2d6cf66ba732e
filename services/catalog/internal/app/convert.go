package app

import (
	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	"github.com/crossdock/crossdock/pkg/money"
)

// moneyProto is the wire form of an amount, for event payloads.
func moneyProto(m money.Money) *commonv1.Money {
	return &commonv1.Money{CurrencyCode: m.Currency, AmountMinor: m.Amount}
}
