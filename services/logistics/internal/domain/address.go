package domain

import (
	"strings"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/geo"
	"github.com/crossdock/crossdock/pkg/iso3166"
)

// Address is where a parcel is picked up or delivered.
type Address struct {
	Recipient string
	Phone     string
	Country   string // ISO 3166-1 alpha-2
	Region    string // ISO 3166-2, empty where the country has none
	City      string
	Postcode  string
	Lines     []string
	// Location is the address's own coordinates, when known.
	Location *geo.Point
}

// Point returns where distances to the address are measured to: its own
// coordinates, else its region's or country's reference point.
func (a Address) Point() (geo.Point, geo.Basis, bool) {
	if a.Location != nil {
		return *a.Location, geo.BasisAddress, true
	}
	return geo.Reference(a.Country, a.Region)
}

// validate checks an address under field (e.g. "to").
func (a Address) validate(v *violations, field string) {
	f := func(sub string) string { return field + "." + sub }
	apperr.CheckText(v, f("recipient"), a.Recipient, 1, 200)
	checkCountry(v, f("country_code"), a.Country)
	if a.Region != "" && !iso3166.IsSubdivisionOf(a.Region, a.Country) {
		v.Add(f("region_code"), "must be an ISO 3166-2 subdivision of the country, such as "+a.Country+"-XX")
	}
	apperr.CheckText(v, f("city"), a.City, 1, 120)
	apperr.CheckText(v, f("postcode"), a.Postcode, 0, 20)
	apperr.CheckText(v, f("phone"), a.Phone, 0, 40)
	if len(a.Lines) == 0 || strings.TrimSpace(strings.Join(a.Lines, "")) == "" {
		v.Add(f("lines"), "needs at least one street line")
	}
	for i, l := range a.Lines {
		apperr.CheckText(v, apperr.Index(f("lines"), i, ""), l, 0, 200)
	}
	if a.Location != nil && !a.Location.Valid() {
		v.Add(f("location"), "must have a latitude in [-90, 90] and a longitude in [-180, 180]")
	}
	if _, _, ok := a.Point(); !ok && iso3166.IsCountry(a.Country) {
		v.Add(f("location"), "is required: no reference point is known for the country")
	}
}
