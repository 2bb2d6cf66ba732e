// Package geo measures the earth for logistics: great-circle distances,
// points along a great circle, and reference points for countries and
// ISO 3166-2 regions, used where an address carries no coordinates of its
// own and where a carrier routes through a country's hub.
//
// The reference points are generated into refpoints_gen.go from the data of
// the countries library (github.com/hexorx/countries, MIT licence) as Debian
// packages it (ruby-countries), matched to the ISO 3166-2 codes of pkg/iso3166;
// `go generate` (reading the countries library's data from COUNTRIES_DATA_DIR
// or -data, and Debian iso-codes from ISO_CODES_DIR or -iso) rewrites the
// table and a test fails when it is stale.
package geo

//go:generate go run gen/main.go -out refpoints_gen.go
