// Package domain holds the freight estimator's rules, as DOMAIN.md states them:
// routes, parcels, the history records the estimate learns from, the
// classification of records into the first (S), secondary (C) and end (F)
// groups, the weighted estimate with its multiplier, the rate card that prices a
// parcel when no history matches, and the versioned settings behind all of it.
//
// It is pure Go: no database, no gRPC, no protobuf. Money never passes through
// a float: amounts are int64 minor units, decimals (tolerances, weights,
// multipliers, rates) are money.Rate values, and every intermediate result is an
// exact big.Rat that is rounded once, at the end. Bad input comes back as
// apperr.Invalid with one field violation per bad field, named after the
// request fields of the contract.
package domain
