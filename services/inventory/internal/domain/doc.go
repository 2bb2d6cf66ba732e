// Package domain holds the inventory service's rules: warehouses, stock
// levels that can never be oversold, the allocation of an order's lines to
// warehouses, reservations and their life cycle, purchase orders, and ERP
// sync lines. It is pure Go: no database, no gRPC, no protobuf. Bad input
// comes back as apperr.Invalid with one field violation per bad field, named
// after the request fields of the contract (e.g. "lines[2].quantity"), so the
// edge can return it as is.
package domain
