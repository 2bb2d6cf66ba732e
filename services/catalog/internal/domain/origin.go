package domain

import (
	"strings"

	"github.com/crossdock/crossdock/pkg/iso3166"
)

// Origin is where a product ships from: freight is estimated per route, so a
// region is required wherever the country has ISO 3166-2 subdivisions.
type Origin struct {
	CountryCode string // ISO 3166-1 alpha-2
	RegionCode  string // ISO 3166-2; empty only for countries without subdivisions
}

// checkOrigin validates an origin (fields "origin.country_code",
// "origin.region_code") and returns it upper-cased.
func checkOrigin(v *violations, o Origin) Origin {
	o.CountryCode = strings.ToUpper(strings.TrimSpace(o.CountryCode))
	o.RegionCode = strings.ToUpper(strings.TrimSpace(o.RegionCode))
	switch {
	case o.CountryCode == "":
		v.Add("origin.country_code", "is required")
		return o
	case !iso3166.IsCountry(o.CountryCode):
		v.Add("origin.country_code", "must be an ISO 3166-1 alpha-2 country code")
		return o
	}
	switch {
	case o.RegionCode == "" && iso3166.HasSubdivisions(o.CountryCode):
		v.Add("origin.region_code", "is required: an ISO 3166-2 code of a region of "+o.CountryCode)
	case o.RegionCode != "" && !iso3166.IsSubdivisionOf(o.RegionCode, o.CountryCode):
		v.Add("origin.region_code", "must be an ISO 3166-2 code of a region of "+o.CountryCode)
	}
	return o
}
