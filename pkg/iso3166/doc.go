// Package iso3166 validates country (ISO 3166-1 alpha-2) and subdivision
// (ISO 3166-2) codes against tables generated from Debian's iso-codes data, so
// addresses and routes are checked the same way in every service and without
// the iso-codes package installed.
//
// The tables live in tables_gen.go; regenerate them after an iso-codes update
// with `go generate ./iso3166` (it reads /usr/share/iso-codes/json, or the
// directory in ISO_CODES_DIR) and commit the result.
package iso3166

//go:generate go run gen/main.go -out tables_gen.go
