package geo

// Reference returns the point that stands for a place when no address
// coordinates are known: the region's (ISO 3166-2 code, e.g. "CN-GD") when
// the table has it, otherwise the country's (ISO 3166-1 alpha-2). ok is
// false when neither is known.
func Reference(country, region string) (p Point, basis Basis, ok bool) {
	if region != "" {
		if p, ok := regionPoints[region]; ok {
			return p, BasisRegion, true
		}
	}
	if p, ok := countryPoints[country]; ok {
		return p, BasisCountry, true
	}
	return Point{}, "", false
}

// CountryPoint returns a country's reference point: where a carrier's hub
// for the country is taken to be.
func CountryPoint(country string) (Point, bool) {
	p, ok := countryPoints[country]
	return p, ok
}

// Basis says what a point stands for, so a reader knows how exact a
// distance measured from it is.
type Basis string

// The bases of a point, from most to least exact.
const (
	BasisAddress Basis = "address"
	BasisRegion  Basis = "region"
	BasisCountry Basis = "country"
)

// ReferenceCounts returns how many countries and regions the table holds.
func ReferenceCounts() (countries, regions int) { return len(countryPoints), len(regionPoints) }
