// Package fx holds finance's rules for converting money: how old a rate may
// be before it is refused, the spread a quote adds to the mid rate, and how
// long a quote locks its rate. It is pure Go; the rates themselves are
// domain.ExchangeRate values.
package fx
