// Package domain holds the users service's aggregates and their invariants:
// accounts and roles, organizations and their review, merchant tiers, postal
// addresses, API clients and refresh tokens. It is pure Go: no database, no
// gRPC, no protobuf. Bad input comes back as apperr.Invalid with one field
// violation per bad field, named after the request fields of the contract
// (e.g. "email", "address.country_code"), so the edge can return it as is.
package domain
