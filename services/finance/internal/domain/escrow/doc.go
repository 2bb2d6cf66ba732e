// Package escrow builds the ledger transfers of the cross-border sale
// (DOMAIN.md, "The cross-border sale with escrow") as pure functions: a
// checkout's payment into each sub-order's escrow, freight legs, settlement,
// refunds and claw-backs, coupons and partner settlements. Each builder
// returns the transfer specs of ONE ledger command; the app layer names the
// idempotency key and executes it.
//
// Amounts of a sub-order are in the supplier's currency: the supplier
// prices the goods, carriers' charges are paid from escrow in it, and the
// supplier is paid in it, so escrow holds exactly what settlement needs
// whatever the market does. The buyer pays the sub-order's amount converted
// back at the quote's rate (half-even to the buyer currency's minor unit);
// the quote's spread already lies against the buyer, and the rounding
// difference is the platform's, held in the FX clearing accounts.
package escrow
