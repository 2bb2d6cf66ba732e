// Package domain is the orders service's pure core: the buyer's cart, the
// two-level split of a checkout (by supplier, then by product type) into
// sub-orders, and the state machines of orders and sub-orders with the
// change log every transition appends to. Nothing here does I/O.
package domain
