package main

import (
	"github.com/crossdock/crossdock/pkg/service"
	"github.com/crossdock/crossdock/services/finance/internal/adapters/payprovider"
)

// Config is the finance service's configuration: the kit's settings plus its
// own. Every variable is listed in services/finance/README.md.
type Config struct {
	service.Config

	// PaymentProvider is where money enters (card top-ups) and leaves
	// (payouts): PAYMENT_PROVIDER_URL, PAYMENT_PROVIDER_API_KEY,
	// PAYMENT_PROVIDER_WEBHOOK_SECRET, PAYMENT_PROVIDER_TIMEOUT. In
	// development it is the payment sandbox `crossdock up` starts.
	PaymentProvider payprovider.Config
}
