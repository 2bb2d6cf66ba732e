package domain

import (
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/iso3166"
	"github.com/crossdock/crossdock/pkg/money"
)

// DefaultVolumetricDivisor turns cm³ into volumetric kilograms, the carriers'
// usual 5000.
const DefaultVolumetricDivisor = 5000

var (
	zoneCode   = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{0,31}$`)
	methodName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)
)

// Zone groups destinations that cost the same to reach. A region listed in a
// zone overrides the zone of its country.
type Zone struct {
	Code      string
	Countries []string
	Regions   []string
}

// ZonePrice is the price per chargeable kilogram for a zone and a shipping
// method, in the base currency.
type ZonePrice struct {
	Zone   string
	Method string
	PerKg  money.Money
}

// RateCard prices parcels when there is no history. Like the configuration it
// is versioned; the one in force at a time is the latest effective by then.
type RateCard struct {
	Version       int64
	Zones         []Zone
	Prices        []ZonePrice
	Divisor       int64
	DefaultMethod string
	EffectiveFrom time.Time
	ChangedBy     string
	RecordedAt    time.Time
}

// NewRateCard normalises and validates an operator's rate card: zone codes
// unique, each country and region in at most one zone, every price for a known
// zone in the base currency, one price per zone and method, and the default
// method priced somewhere. A zero divisor means the default 5000.
func NewRateCard(in RateCard, base, by string, now time.Time) (RateCard, error) {
	var v violations
	c := RateCard{Divisor: in.Divisor, ChangedBy: by, RecordedAt: now}
	if c.Divisor == 0 {
		c.Divisor = DefaultVolumetricDivisor
	}
	if c.Divisor < 0 || c.Divisor > 1_000_000 {
		v.Add("rate_card.volumetric_divisor", "must be between 1 and 1000000")
	}
	if len(in.Zones) == 0 {
		v.Add("rate_card.zones", "must list at least one zone")
	}
	zones := map[string]bool{}
	places := map[string]string{} // country or region → zone
	for i, z := range in.Zones {
		f := fmt.Sprintf("rate_card.zones[%d]", i)
		code := strings.ToUpper(strings.TrimSpace(z.Code))
		switch {
		case !zoneCode.MatchString(code):
			v.Add(f+".code", "must be 1 to 32 upper-case letters, digits or dashes")
		case zones[code]:
			v.Add(f+".code", "is listed twice")
		}
		zones[code] = true
		nz := Zone{Code: code}
		if len(z.Countries)+len(z.Regions) == 0 {
			v.Add(f, "must list at least one country or region")
		}
		for j, cc := range z.Countries {
			cc = strings.ToUpper(strings.TrimSpace(cc))
			cf := fmt.Sprintf("%s.country_codes[%d]", f, j)
			if !iso3166.IsCountry(cc) {
				v.Add(cf, "is not an ISO 3166-1 alpha-2 country code")
			} else if other, dup := places[cc]; dup {
				v.Add(cf, "is already in zone "+other)
			}
			places[cc] = code
			nz.Countries = append(nz.Countries, cc)
		}
		for j, rc := range z.Regions {
			rc = strings.ToUpper(strings.TrimSpace(rc))
			rf := fmt.Sprintf("%s.region_codes[%d]", f, j)
			if _, ok := iso3166.LookupSubdivision(rc); !ok {
				v.Add(rf, "is not an ISO 3166-2 subdivision code")
			} else if other, dup := places[rc]; dup {
				v.Add(rf, "is already in zone "+other)
			}
			places[rc] = code
			nz.Regions = append(nz.Regions, rc)
		}
		c.Zones = append(c.Zones, nz)
	}
	if len(in.Prices) == 0 {
		v.Add("rate_card.prices", "must list at least one price")
	}
	priced := map[string]bool{}
	methods := map[string]bool{}
	for i, p := range in.Prices {
		f := fmt.Sprintf("rate_card.prices[%d]", i)
		zone := strings.ToUpper(strings.TrimSpace(p.Zone))
		method := strings.TrimSpace(p.Method)
		if !zones[zone] {
			v.Add(f+".zone", "is not a zone of the rate card")
		}
		if !methodName.MatchString(method) {
			v.Add(f+".shipping_method", "must be 1 to 32 lower-case letters, digits, dashes or underscores")
		}
		switch {
		case p.PerKg.Currency != base:
			v.Add(f+".price_per_kg.currency_code", "must be the base currency "+base)
		case p.PerKg.Amount <= 0:
			v.Add(f+".price_per_kg.amount_minor", "must be positive")
		}
		key := zone + "\x00" + method
		if priced[key] {
			v.Add(f, "prices the same zone and shipping method twice")
		}
		priced[key] = true
		methods[method] = true
		c.Prices = append(c.Prices, ZonePrice{Zone: zone, Method: method, PerKg: p.PerKg})
	}
	c.DefaultMethod = strings.TrimSpace(in.DefaultMethod)
	switch {
	case c.DefaultMethod == "":
		v.Add("rate_card.default_shipping_method", "is required")
	case !methods[c.DefaultMethod]:
		v.Add("rate_card.default_shipping_method", "has no price in the rate card")
	}
	c.EffectiveFrom = effectiveFrom(&v, "rate_card.effective_from", in.EffectiveFrom, now)
	return c, v.Err()
}

// ValidMethod reports whether s has the form of a shipping method name.
func ValidMethod(s string) bool { return methodName.MatchString(s) }

// ZoneOf returns the zone of a destination: its region's zone when the region
// is listed, else its country's.
func (c RateCard) ZoneOf(country, region string) (string, bool) {
	if region != "" {
		for _, z := range c.Zones {
			for _, r := range z.Regions {
				if r == region {
					return z.Code, true
				}
			}
		}
	}
	for _, z := range c.Zones {
		for _, cc := range z.Countries {
			if cc == country {
				return z.Code, true
			}
		}
	}
	return "", false
}

// Errors of a rate-card estimate.
var (
	ErrNoZone  = apperr.FailedPrecondition("no history matches and the rate card has no zone for the destination").WithReason("NO_RATE_CARD_ZONE")
	ErrNoPrice = apperr.FailedPrecondition("no history matches and the rate card has no price for this zone and shipping method").WithReason("NO_RATE_CARD_PRICE")
)

// RateCardQuote explains a rate-card price.
type RateCardQuote struct {
	Zone, Method string
	ActualG      int64
	// VolumetricG is L·W·H / divisor in grams, rounded up to the gram.
	VolumetricG int64
	ChargeableG int64
	Divisor     int64
	PerKg       money.Money
	// Price is ChargeableG × PerKg / 1000 in minor units, exact: a part
	// kilogram is charged pro rata.
	Price *big.Rat
}

// Quote prices a parcel to a destination with a shipping method ("" for the
// default): chargeable weight = max(actual, volumetric), where volumetric kg =
// L·W·H in cm³ / divisor (from the box's dimensions when known, else from the
// parcel's volume).
func (c RateCard) Quote(p Parcel, dest Route, method string) (RateCardQuote, error) {
	if method == "" {
		method = c.DefaultMethod
	}
	zone, ok := c.ZoneOf(dest.DestinationCountry, dest.DestinationRegion)
	if !ok {
		return RateCardQuote{}, ErrNoZone.WithMetadata("destination", dest.DestinationCountry+"/"+dest.DestinationRegion)
	}
	var perKg money.Money
	found := false
	for _, pr := range c.Prices {
		if pr.Zone == zone && pr.Method == method {
			perKg, found = pr.PerKg, true
			break
		}
	}
	if !found {
		return RateCardQuote{}, ErrNoPrice.WithMetadata("zone", zone).WithMetadata("shipping_method", method)
	}
	q := RateCardQuote{Zone: zone, Method: method, ActualG: p.WeightG, Divisor: c.Divisor, PerKg: perKg}
	q.VolumetricG = VolumetricGrams(p, c.Divisor)
	q.ChargeableG = max(q.ActualG, q.VolumetricG)
	q.Price = new(big.Rat).SetFrac(
		new(big.Int).Mul(big.NewInt(q.ChargeableG), big.NewInt(perKg.Amount)),
		big.NewInt(1000))
	return q, nil
}

// VolumetricGrams is the volumetric weight in grams, rounded up: with the box's
// dimensions in mm, L·W·H mm³ / divisor (since kg = cm³ / divisor and
// 1 cm³ = 1000 mm³); otherwise volume_cm3 · 1000 / divisor.
func VolumetricGrams(p Parcel, divisor int64) int64 {
	var num *big.Int
	if d := p.Dimensions; d != nil {
		num = new(big.Int).Mul(big.NewInt(d.LengthMM), big.NewInt(d.WidthMM))
		num.Mul(num, big.NewInt(d.HeightMM))
	} else {
		num = new(big.Int).Mul(big.NewInt(p.VolumeCM3), big.NewInt(1000))
	}
	return ceilInt(new(big.Rat).SetFrac(num, big.NewInt(divisor)))
}

// DefaultRateCard is the rate card a new installation starts with, priced in
// the base currency: a few zones and two methods, so that an estimate on a
// route without history has an answer from the first day. The figures are
// per kilogram in major units of the base currency; operators replace them.
func DefaultRateCard(base string) (RateCard, error) {
	zones := []Zone{
		{Code: "EU-1", Countries: []string{"AT", "BE", "DE", "DK", "FR", "LU", "NL"}},
		{Code: "EU-2", Countries: []string{"CZ", "ES", "FI", "GB", "IE", "IT", "PL", "PT", "SE"}},
		{Code: "NA", Countries: []string{"CA", "MX", "US"}},
		{Code: "APAC", Countries: []string{"CN", "HK", "JP", "KR", "SG", "TW"}},
		{Code: "OC", Countries: []string{"AU", "NZ"}},
		{Code: "LATAM", Countries: []string{"AR", "BR", "CL", "CO", "PE"}},
		{Code: "REMOTE", Regions: []string{"US-AK", "US-HI", "CA-NU", "CA-NT", "CA-YT"}},
	}
	perKg := map[string][2]string{ // zone → standard, express
		"EU-1": {"7.50", "14.00"}, "EU-2": {"8.50", "16.00"}, "NA": {"9.00", "17.50"},
		"APAC": {"6.00", "12.00"}, "OC": {"11.00", "21.00"}, "LATAM": {"12.00", "23.00"},
		"REMOTE": {"15.00", "29.00"},
	}
	var prices []ZonePrice
	for _, z := range zones {
		for i, method := range []string{"standard", "express"} {
			m, err := money.FromDecimal(perKg[z.Code][i], base, money.Ceil)
			if err != nil {
				return RateCard{}, err
			}
			prices = append(prices, ZonePrice{Zone: z.Code, Method: method, PerKg: m})
		}
	}
	return RateCard{
		Version: 1, Zones: zones, Prices: prices, Divisor: DefaultVolumetricDivisor,
		DefaultMethod: "standard", EffectiveFrom: time.Unix(0, 0).UTC(), ChangedBy: "system",
	}, nil
}
