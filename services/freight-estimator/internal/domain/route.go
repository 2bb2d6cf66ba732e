package domain

import (
	"strings"

	"github.com/crossdock/crossdock/pkg/iso3166"
)

// Route is the way a parcel travels: from a country and region to a country and
// region. History is matched by route, so two parcels share history only when
// all four codes are equal.
type Route struct {
	OriginCountry      string // ISO 3166-1 alpha-2, e.g. "CN"
	OriginRegion       string // ISO 3166-2, e.g. "CN-GD"; empty only where the country has none
	DestinationCountry string
	DestinationRegion  string
}

// Key is the route's identity in storage: "CN/CN-GD>DE/DE-BY".
func (r Route) Key() string {
	return r.OriginCountry + "/" + r.OriginRegion + ">" + r.DestinationCountry + "/" + r.DestinationRegion
}

// String is the key, for logs and messages.
func (r Route) String() string { return r.Key() }

// IsZero reports whether no code at all is set: the request named no route.
func (r Route) IsZero() bool { return r == Route{} }

// NewRoute normalises (trims, upper-cases) and validates a route, reporting bad
// codes under "<field>.origin_country_code" and so on.
func NewRoute(field string, in Route) (Route, error) {
	var v violations
	r := normaliseRoute(in)
	checkEnd(&v, field, "origin", r.OriginCountry, r.OriginRegion)
	checkEnd(&v, field, "destination", r.DestinationCountry, r.DestinationRegion)
	return r, v.Err()
}

// NewDestination validates only the destination half: with SKU lines the origin
// may come from the catalog.
func NewDestination(field string, in Route) (Route, error) {
	var v violations
	r := normaliseRoute(in)
	checkEnd(&v, field, "destination", r.DestinationCountry, r.DestinationRegion)
	return r, v.Err()
}

func normaliseRoute(in Route) Route {
	norm := func(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }
	return Route{
		OriginCountry: norm(in.OriginCountry), OriginRegion: norm(in.OriginRegion),
		DestinationCountry: norm(in.DestinationCountry), DestinationRegion: norm(in.DestinationRegion),
	}
}

// checkEnd validates one end of a route: a known country and, where the country
// has subdivisions, one of them.
func checkEnd(v *violations, field, end, country, region string) {
	cf, rf := join(field, end+"_country_code"), join(field, end+"_region_code")
	switch {
	case country == "":
		v.Add(cf, "is required")
		return
	case !iso3166.IsCountry(country):
		v.Add(cf, "is not an ISO 3166-1 alpha-2 country code")
		return
	}
	switch {
	case region == "" && iso3166.HasSubdivisions(country):
		v.Add(rf, "is required: history is matched by region")
	case region != "" && !iso3166.IsSubdivisionOf(region, country):
		v.Add(rf, "is not an ISO 3166-2 subdivision of "+country)
	}
}
