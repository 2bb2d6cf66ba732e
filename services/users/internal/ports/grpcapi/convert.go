package grpcapi

import (
	"crypto/ed25519"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/users/internal/app"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

// required checks a required string field.
func required(field, value string) error {
	if value == "" {
		return apperr.InvalidField(field, "is required")
	}
	return nil
}

func userProto(u domain.User) *usersv1.User {
	p := &usersv1.User{
		UserId: u.ID.String(), Email: u.Email, DisplayName: u.DisplayName,
		OrganizationRole: string(u.OrganizationRole), CreatedAt: timestamppb.New(u.CreatedAt),
	}
	for _, r := range u.Roles {
		p.Roles = append(p.Roles, string(r))
	}
	if u.OrganizationID != uuid.Nil {
		p.OrganizationId = u.OrganizationID.String()
	}
	return p
}

var orgKinds = map[domain.OrganizationKind]usersv1.OrganizationKind{
	domain.KindSupplier: usersv1.OrganizationKind_ORGANIZATION_KIND_SUPPLIER,
	domain.KindMerchant: usersv1.OrganizationKind_ORGANIZATION_KIND_MERCHANT,
}

var orgStatuses = map[domain.OrganizationStatus]usersv1.OrganizationStatus{
	domain.StatusPending:  usersv1.OrganizationStatus_ORGANIZATION_STATUS_PENDING,
	domain.StatusApproved: usersv1.OrganizationStatus_ORGANIZATION_STATUS_APPROVED,
	domain.StatusRejected: usersv1.OrganizationStatus_ORGANIZATION_STATUS_REJECTED,
}

func orgProto(o *domain.Organization) *usersv1.Organization {
	if o == nil {
		return nil
	}
	return &usersv1.Organization{
		OrganizationId: o.ID.String(), Name: o.Name, Kind: orgKinds[o.Kind], Status: orgStatuses[o.Status],
		RejectionReason: o.RejectionReason, MerchantTier: o.MerchantTier, CreatedAt: timestamppb.New(o.CreatedAt),
	}
}

// orgStatus maps a status filter; unspecified means all.
func orgStatus(s usersv1.OrganizationStatus) (domain.OrganizationStatus, error) {
	if s == usersv1.OrganizationStatus_ORGANIZATION_STATUS_UNSPECIFIED {
		return "", nil
	}
	for d, p := range orgStatuses {
		if p == s {
			return d, nil
		}
	}
	return "", apperr.InvalidField("status", "is not a known organization status")
}

func addressFromProto(a *commonv1.Address) (domain.Address, error) {
	if a == nil {
		return domain.Address{}, apperr.InvalidField("address", "is required")
	}
	d := domain.Address{
		Recipient: a.GetRecipient(), Phone: a.GetPhone(), CountryCode: a.GetCountryCode(), RegionCode: a.GetRegionCode(),
		City: a.GetCity(), Postcode: a.GetPostcode(), Lines: a.GetLines(),
	}
	if l := a.GetLocation(); l != nil {
		d.Location = &domain.GeoPoint{Latitude: l.GetLatitude(), Longitude: l.GetLongitude()}
	}
	return d, nil
}

func userAddressProto(a domain.UserAddress) *usersv1.UserAddress {
	ad := a.Address
	p := &commonv1.Address{
		Recipient: ad.Recipient, Phone: ad.Phone, CountryCode: ad.CountryCode, RegionCode: ad.RegionCode,
		City: ad.City, Postcode: ad.Postcode, Lines: ad.Lines,
	}
	if l := ad.Location; l != nil {
		p.Location = &commonv1.GeoPoint{Latitude: l.Latitude, Longitude: l.Longitude}
	}
	return &usersv1.UserAddress{AddressId: a.ID.String(), Address: p, IsDefault: a.IsDefault, CreatedAt: timestamppb.New(a.CreatedAt)}
}

func tierProto(t domain.MerchantTier) *usersv1.MerchantTier {
	return &usersv1.MerchantTier{Code: t.Code, Name: t.Name, Rank: t.Rank}
}

var clientKinds = map[domain.APIClientKind]usersv1.ApiClientKind{
	domain.ClientPartner: usersv1.ApiClientKind_API_CLIENT_KIND_PARTNER,
	domain.ClientERP:     usersv1.ApiClientKind_API_CLIENT_KIND_ERP,
	domain.ClientService: usersv1.ApiClientKind_API_CLIENT_KIND_SERVICE,
}

func clientKind(k usersv1.ApiClientKind) domain.APIClientKind {
	for d, p := range clientKinds {
		if p == k {
			return d
		}
	}
	return "" // rejected by the use case on field "kind"
}

func clientProto(c domain.APIClient) *usersv1.ApiClient {
	p := &usersv1.ApiClient{ClientId: c.ID, Name: c.Name, Kind: clientKinds[c.Kind], Disabled: c.Disabled, CreatedAt: timestamppb.New(c.CreatedAt)}
	if c.OrganizationID != uuid.Nil {
		p.OrganizationId = c.OrganizationID.String()
	}
	if c.Kind != domain.ClientService && len(c.Key) == ed25519.PublicKeySize {
		// Encoding a well-sized Ed25519 key cannot fail.
		p.PublicKey, _ = auth.EncodeRequestPublicKey(ed25519.PublicKey(c.Key))
	}
	return p
}

func tokensProto(p app.TokenPair) *usersv1.TokenPair {
	return &usersv1.TokenPair{
		AccessToken: p.AccessToken, TokenType: "Bearer", ExpiresIn: int64(p.ExpiresIn.Seconds()),
		RefreshToken: p.RefreshToken, RefreshExpiresAt: timestamppb.New(p.RefreshExpiresAt),
	}
}
