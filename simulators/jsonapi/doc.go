// Package jsonapi is the HTTP plumbing every simulator's API shares, shaped
// like the providers they stand in for (Stripe's conventions): a bearer API
// key, Idempotency-Key on POSTs, JSON bodies with unknown fields refused,
// errors as {"error": {"type", "code", "message", "param"}}, and a rate of
// calls that fail with 503 on purpose. A simulator writes handlers that run
// under its own state lock and answer a Response; the package does the rest,
// so the payment sandbox and the carrier simulator cannot drift apart on it.
package jsonapi
