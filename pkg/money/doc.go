// Package money holds amounts of money as integers of minor units with an
// ISO 4217 currency code, and is the one place where Crossdock rounds money.
//
// # Representation
//
// A Money is an int64 count of the currency's minor unit (cents for USD, yen
// for JPY, fils for KWD) plus an upper-case ISO 4217 code. Floating point is
// never used: every computation that can leave the integers (conversion,
// percentages, parsing decimals) is carried out exactly with math/big.Rat and
// rounded once, at the end, to a whole minor unit.
//
// The exponent of a currency (how many decimal places its minor unit has) is
// the one ISO 4217 gives it, from the table in iso4217.go: JPY 0, USD 2, IDR 2,
// KWD 3, IQD 3. Payment providers, banks and partners count minor units by ISO
// 4217, so a ledger that counted otherwise would send amounts off by a power
// of ten. Only currencies in use are known: withdrawn ones (DEM, HRK) and the
// funds codes and units of account (CLF, XDR) are refused.
//
// # Rounding rule
//
// Unless a caller asks for something else, results are rounded half-even
// ("banker's rounding") to the nearest minor unit of the target currency: a
// result exactly halfway between two minor units goes to the even one (2.5 → 2,
// 3.5 → 4, -2.5 → -2), anything else to the nearest. Half-even has no bias over
// many roundings, which keeps sums of converted amounts honest. Two other modes
// exist for the rare places that must never under-collect or over-promise:
// Ceil (towards +∞, e.g. a fee that must cover a cost) and Floor (towards -∞).
//
// # Conversion
//
// Convert multiplies by an exact decimal Rate quoted in major units (how many
// units of the target currency one unit of the source buys, as on any FX quote)
// and accounts for both exponents: 1.00 USD (100 minor) at 151.5 JPY/USD is 152
// JPY (151.5 rounded half-even), and 100 JPY at 0.0066 USD/JPY is 0.66 USD.
//
// Every operation reports overflow of the int64 minor-unit range and currency
// mismatches as errors instead of wrapping or guessing.
package money
