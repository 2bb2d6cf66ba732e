// Package domain holds the catalog's aggregates and their invariants: the
// category tree, brands, product models (attribute templates), products with
// their revisions, SKUs, translations and the review workflow. It is pure Go:
// no database, no gRPC, no protobuf. Bad input comes back as apperr.Invalid
// with one field violation per bad field, named after the request fields of
// the contract (e.g. "content.skus[0].weight_g", "origin.country_code"), so
// the edge can return it as is.
package domain
