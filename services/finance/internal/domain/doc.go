// Package domain holds the finance service's rules. It is pure Go: no
// database, no gRPC, no protobuf. Bad input comes back as apperr.Invalid with
// one field violation per bad field, named after the request fields of the
// contract.
package domain
