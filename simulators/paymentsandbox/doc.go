// Package paymentsandbox is a payment provider for tests and the local mesh:
// an HTTP/JSON API shaped like Stripe's (payment intents confirmed with test
// cards, payouts to bank accounts, signed asynchronous webhooks) with the
// faults a real provider has switchable on request, so the code that talks
// to a provider is tested against the protocol rather than a mock of it.
//
// Everything is kept in memory: a restarted sandbox forgets its intents.
// The API key authorizes every call except confirming an intent, which the
// payer's client does with the intent's client secret, as a browser would.
// POSTs honour an Idempotency-Key header: the same key with the same body
// answers the first response again, with another body 409.
//
// Webhooks are POSTed to one URL, signed with pkg/webhook (header
// Sandbox-Signature), retried with backoff until the receiver answers 2xx or
// the attempts run out; every retry carries the same event id. A confirm may
// ask for a delivery fault: "late", "twice", "out_of_order" (a stale
// earlier event after the final one) or "lost" (none sent).
package paymentsandbox
