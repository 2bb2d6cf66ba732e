// Package ledger is finance's double-entry book, in pure Go: accounts with
// balances and flags, transfers between them, and the rules that decide
// whether a command may be applied. It knows nothing of PostgreSQL or gRPC;
// the postgres adapter loads the accounts a batch of commands touches, lets
// this package apply the commands one by one in memory, and writes back what
// changed, so the rules live in one place and are tested without a database.
//
// Every money movement is a Command: an idempotency key and transfers that
// commit all or nothing (TigerBeetle's linked transfers). Each transfer
// debits one account and credits another of the same currency, so the sum of
// all balances per currency is zero by construction; a conversion is two
// transfers, one per currency, through the FX clearing accounts.
package ledger
