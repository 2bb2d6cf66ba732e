package carriersim

import (
	"math"
	"strconv"
	"strings"

	"github.com/crossdock/crossdock/pkg/geo"
)

// The kinds of leg, in the order a parcel travels them.
const (
	legDomestic      = "domestic"
	legInternational = "international"
	legLastMile      = "last_mile"
)

// place is a named position on the wire.
type place struct {
	Name string  `json:"name"`
	Lat  float64 `json:"lat"`
	Lng  float64 `json:"lng"`
}

func (p place) point() geo.Point { return geo.Point{Lat: p.Lat, Lng: p.Lng} }

// leg is one stretch of a route between two of its places.
type leg struct {
	ID       string
	Kind     string
	From, To place
	Km       float64
}

// legJSON is a leg on the wire.
type legJSON struct {
	LegID      string  `json:"leg_id"`
	Kind       string  `json:"kind"`
	DistanceKm float64 `json:"distance_km"`
}

// route is where a parcel goes: from the sender to the origin country's hub,
// across to the destination country's hub, and on to the recipient. A
// parcel that stays in one country has no international leg.
type route struct {
	places []place
	legs   []leg
}

// planRoute lays out the route from one address to another. ok is false
// when a country has no reference point to put its hub at.
func planRoute(waybill string, from, to address) (r route, param string, ok bool) {
	fromPlace, ok := addressPlace(from)
	if !ok {
		return route{}, "from.country_code", false
	}
	toPlace, ok := addressPlace(to)
	if !ok {
		return route{}, "to.country_code", false
	}
	originHub, ok := hub(from.CountryCode)
	if !ok {
		return route{}, "from.country_code", false
	}
	destHub, ok := hub(to.CountryCode)
	if !ok {
		return route{}, "to.country_code", false
	}
	r.places = []place{fromPlace, originHub}
	kinds := []string{legDomestic}
	if from.CountryCode != to.CountryCode {
		r.places = append(r.places, destHub)
		kinds = append(kinds, legInternational)
	}
	r.places = append(r.places, toPlace)
	kinds = append(kinds, legLastMile)
	for i, kind := range kinds {
		a, b := r.places[i], r.places[i+1]
		r.legs = append(r.legs, leg{
			ID: waybill + "-" + strconv.Itoa(i+1), Kind: kind, From: a, To: b,
			Km: geo.DistanceKm(a.point(), b.point()),
		})
	}
	return r, "", true
}

// json is the route's legs on the wire, distances to 0.1 km.
func (r route) json() []legJSON {
	out := make([]legJSON, len(r.legs))
	for i, l := range r.legs {
		out[i] = legJSON{LegID: l.ID, Kind: l.Kind, DistanceKm: math.Round(l.Km*10) / 10}
	}
	return out
}

// hub is where the carrier's hub for a country is taken to be: the
// country's reference point.
func hub(country string) (place, bool) {
	p, ok := geo.CountryPoint(country)
	return place{Name: country + " hub", Lat: p.Lat, Lng: p.Lng}, ok
}

// addressPlace is an address's position: its own coordinates, else its
// region's reference point (the region given as "CN-GD" or "GD"), else its
// country's.
func addressPlace(a address) (place, bool) {
	name := a.label()
	if a.Lat != nil && a.Lng != nil {
		return place{Name: name, Lat: *a.Lat, Lng: *a.Lng}, true
	}
	region := a.RegionCode
	if region != "" && !strings.Contains(region, "-") {
		region = a.CountryCode + "-" + region
	}
	p, _, ok := geo.Reference(a.CountryCode, region)
	return place{Name: name, Lat: p.Lat, Lng: p.Lng}, ok
}
