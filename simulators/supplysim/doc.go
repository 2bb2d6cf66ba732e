// Package supplysim is a third-party supply platform (a wholesale
// marketplace Crossdock buys from) speaking JSON over HTTP: a catalogue
// paged by update time, stock levels, and purchase orders placed under one
// of several buyer accounts, each with its own API key (Authorization:
// Bearer). Purchase orders are idempotent on the buyer's reference, reserve
// stock, and ship (a carrier and a waybill) after a delay or when the back
// office says so. Faults are injected by share: 503 before any work, 429
// with Retry-After, and answers lost after the work was done, so a client's
// retries and idempotency are tested on the wire.
//
// The back office (Admin) seeds products and stock, ships orders and shows
// which account placed each one, so tests can check routing from the
// platform's side.
package supplysim
