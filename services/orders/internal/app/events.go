package app

import (
	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	"github.com/crossdock/crossdock/pkg/money"
)

// The subjects orders publishes (stream ORDERS; crossdock/orders/v1/events.proto).
const (
	SubjectOrderPlaced       = "orders.order.placed"
	SubjectOrderPaid         = "orders.order.paid"
	SubjectOrderCancelled    = "orders.order.cancelled"
	SubjectSubOrderShipped   = "orders.sub_order.shipped"
	SubjectSubOrderCompleted = "orders.sub_order.completed"
	SubjectSubOrderCancelled = "orders.sub_order.cancelled"
	SubjectReturnRefunded    = "orders.return.refunded"
)

// moneyProto is an amount as the events carry it.
func moneyProto(m money.Money) *commonv1.Money {
	return &commonv1.Money{CurrencyCode: m.Currency, AmountMinor: m.Amount}
}
