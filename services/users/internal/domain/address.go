package domain

import (
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/iso3166"
)

var (
	e164     = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	postcode = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 -]{0,19}$`)
)

// ErrDefaultAddressInUse is returned when deleting the default address while
// the user has others: the user must choose another default first.
var ErrDefaultAddressInUse = apperr.FailedPrecondition("the default address cannot be deleted while other addresses exist; choose another default first").
	WithReason("DEFAULT_ADDRESS_IN_USE")

// GeoPoint is a WGS 84 position.
type GeoPoint struct {
	Latitude, Longitude float64
}

// Address is a postal address a parcel can be delivered to.
type Address struct {
	Recipient   string
	Phone       string // E.164
	CountryCode string // ISO 3166-1 alpha-2
	RegionCode  string // ISO 3166-2; empty only where the country has none
	City        string
	Postcode    string
	Lines       []string // 1 to 4, most specific last
	Location    *GeoPoint
}

// NewAddress normalises (trims, upper-cases the codes) and validates an
// address, reporting every bad field under "address.<field>".
func NewAddress(in Address) (Address, error) {
	var v violations
	a := Address{
		Recipient:   apperr.CheckText(&v, "address.recipient", in.Recipient, 1, 200),
		Phone:       strings.TrimSpace(in.Phone),
		CountryCode: strings.ToUpper(strings.TrimSpace(in.CountryCode)),
		RegionCode:  strings.ToUpper(strings.TrimSpace(in.RegionCode)),
		City:        apperr.CheckText(&v, "address.city", in.City, 1, 100),
		Postcode:    strings.TrimSpace(in.Postcode),
	}
	if !e164.MatchString(a.Phone) {
		v.Add("address.phone", "must be an E.164 number such as +4915112345678")
	}
	switch {
	case a.CountryCode == "":
		v.Add("address.country_code", "is required")
	case !iso3166.IsCountry(a.CountryCode):
		v.Add("address.country_code", "must be an ISO 3166-1 alpha-2 country code such as DE")
	case a.RegionCode == "" && iso3166.HasSubdivisions(a.CountryCode):
		v.Add("address.region_code", "is required: an ISO 3166-2 code of the country such as "+a.CountryCode+"-…")
	case a.RegionCode != "" && !iso3166.IsSubdivisionOf(a.RegionCode, a.CountryCode):
		v.Add("address.region_code", "must be an ISO 3166-2 subdivision of "+a.CountryCode)
	}
	if a.Postcode != "" && !postcode.MatchString(a.Postcode) {
		v.Add("address.postcode", "must be at most 20 letters, digits, spaces or dashes")
	}
	switch {
	case len(in.Lines) == 0:
		v.Add("address.lines", "at least one line is required")
	case len(in.Lines) > 4:
		v.Add("address.lines", "at most 4 lines")
	default:
		for i, line := range in.Lines {
			a.Lines = append(a.Lines, apperr.CheckText(&v, apperr.Index("address.lines", i, ""), line, 1, 200))
		}
	}
	if in.Location != nil {
		p := *in.Location
		if math.IsNaN(p.Latitude) || p.Latitude < -90 || p.Latitude > 90 {
			v.Add("address.location.latitude", "must be within [-90, 90]")
		}
		if math.IsNaN(p.Longitude) || p.Longitude < -180 || p.Longitude > 180 {
			v.Add("address.location.longitude", "must be within [-180, 180]")
		}
		a.Location = &p
	}
	return a, v.Err()
}

// UserAddress is one of a user's saved addresses.
type UserAddress struct {
	ID        uuid.UUID
	UserID    uuid.UUID
	Address   Address
	IsDefault bool
	CreatedAt time.Time
	UpdatedAt time.Time
}
