package peers

import (
	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// AddressFromProto is an address as the services exchange it.
func AddressFromProto(a *commonv1.Address) domain.Address {
	out := domain.Address{
		Recipient: a.GetRecipient(), Phone: a.GetPhone(), Country: a.GetCountryCode(), Region: a.GetRegionCode(),
		City: a.GetCity(), Postcode: a.GetPostcode(), Lines: a.GetLines(),
	}
	if l := a.GetLocation(); l != nil {
		lat, lng := l.GetLatitude(), l.GetLongitude()
		out.Latitude, out.Longitude = &lat, &lng
	}
	return out
}

// AddressProto is the reverse of AddressFromProto.
func AddressProto(a domain.Address) *commonv1.Address {
	out := &commonv1.Address{
		Recipient: a.Recipient, Phone: a.Phone, CountryCode: a.Country, RegionCode: a.Region,
		City: a.City, Postcode: a.Postcode, Lines: a.Lines,
	}
	if a.Latitude != nil && a.Longitude != nil {
		out.Location = &commonv1.GeoPoint{Latitude: *a.Latitude, Longitude: *a.Longitude}
	}
	return out
}
