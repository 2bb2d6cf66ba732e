package iso3166

import "strings"

// Country is one ISO 3166-1 entry.
type Country struct {
	Alpha2 string // e.g. "DE"
	Alpha3 string // e.g. "DEU"
	Name   string // English short name, e.g. "Germany"
}

// Subdivision is one ISO 3166-2 entry.
type Subdivision struct {
	Code string // e.g. "DE-BY": the country's alpha-2 code, a dash, a local part
	Name string // e.g. "Bayern"
	Type string // e.g. "Land", "Province"
	// Parent is the full code of the enclosing subdivision, for countries
	// whose subdivisions nest (e.g. "FR-IDF" for a department); empty otherwise.
	Parent string
}

// LookupCountry returns the country with the given alpha-2 code. Codes are matched
// exactly: callers normalise case first, so "de" is not a country.
func LookupCountry(alpha2 string) (Country, bool) {
	c, ok := countries[alpha2]
	return c, ok
}

// IsCountry reports whether code is an assigned ISO 3166-1 alpha-2 code.
func IsCountry(code string) bool {
	_, ok := countries[code]
	return ok
}

// LookupSubdivision returns the subdivision with the given full code ("DE-BY").
func LookupSubdivision(code string) (Subdivision, bool) {
	s, ok := subdivisions[code]
	return s, ok
}

// IsSubdivisionOf reports whether code is an ISO 3166-2 subdivision of the
// country with alpha-2 code country, at any level of nesting.
func IsSubdivisionOf(code, country string) bool {
	if _, ok := subdivisions[code]; !ok {
		return false
	}
	prefix, _, found := strings.Cut(code, "-")
	return found && prefix == country
}

// HasSubdivisions reports whether the country has any ISO 3166-2 subdivision;
// an address in such a country names one.
func HasSubdivisions(country string) bool {
	return subdivisionCounts[country] > 0
}

// Countries returns the number of countries in the table.
func Countries() int { return len(countries) }

// Subdivisions returns the number of subdivisions in the table.
func Subdivisions() int { return len(subdivisions) }
