// Package wallet holds the records money enters and leaves finance through a
// payment provider: top-ups (a card payment into a buyer's wallet or a
// merchant's deposit) and payouts (a supplier's payable to a bank). The
// ledger holds the money; these records hold where the provider stands, so a
// webhook, a retry or a crash between steps can find its place again. Each
// record moves through states one way only: an event that arrives late or
// twice changes nothing.
package wallet
