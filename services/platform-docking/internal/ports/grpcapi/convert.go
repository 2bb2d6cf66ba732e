package grpcapi

import (
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	dockingv1 "github.com/crossdock/crossdock/gen/crossdock/docking/v1"
	partnerv1 "github.com/crossdock/crossdock/gen/crossdock/partner/v1"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

var protocols = map[dockingv1.PartnerProtocol]domain.Protocol{
	dockingv1.PartnerProtocol_PARTNER_PROTOCOL_STANDARD_GRPC:    domain.ProtocolStandardGRPC,
	dockingv1.PartnerProtocol_PARTNER_PROTOCOL_REST_MARKETPLACE: domain.ProtocolRESTMarketplace,
}

var protocolProtos = map[domain.Protocol]dockingv1.PartnerProtocol{
	domain.ProtocolStandardGRPC:    dockingv1.PartnerProtocol_PARTNER_PROTOCOL_STANDARD_GRPC,
	domain.ProtocolRESTMarketplace: dockingv1.PartnerProtocol_PARTNER_PROTOCOL_REST_MARKETPLACE,
}

var statusProtos = map[domain.Status]dockingv1.PartnerStatus{
	domain.StatusUnverified: dockingv1.PartnerStatus_PARTNER_STATUS_UNVERIFIED,
	domain.StatusVerified:   dockingv1.PartnerStatus_PARTNER_STATUS_VERIFIED,
	domain.StatusSuspended:  dockingv1.PartnerStatus_PARTNER_STATUS_SUSPENDED,
}

var registrationStatuses = map[domain.Status]partnerv1.RegistrationStatus{
	domain.StatusUnverified: partnerv1.RegistrationStatus_REGISTRATION_STATUS_UNVERIFIED,
	domain.StatusVerified:   partnerv1.RegistrationStatus_REGISTRATION_STATUS_VERIFIED,
	domain.StatusSuspended:  partnerv1.RegistrationStatus_REGISTRATION_STATUS_SUSPENDED,
}

// partnerProto is a partner as operators see it: everything but the
// credentials, of which only their presence shows.
func partnerProto(p domain.Partner) *dockingv1.Partner {
	out := &dockingv1.Partner{
		PartnerId: p.ID.String(), Name: p.Name, Code: p.Code, Protocol: protocolProtos[p.Protocol],
		Endpoint: p.Endpoint, ApiClientId: p.APIClientID, Locales: p.Locales,
		QualityCheckRequired: p.QualityCheckRequired, CommissionBps: int32(p.CommissionBPS),
		Status: statusProtos[p.Status], CreatedAt: timestamppb.New(p.CreatedAt), UpdatedAt: timestamppb.New(p.UpdatedAt),
		HasCredentials: !p.Credentials.Empty(),
	}
	if p.Fees != (domain.Fees{}) {
		out.Fees = &dockingv1.FeeTerms{FixedPerOrder: feeProto(p.Fees)}
	}
	if p.VerifiedAt != nil {
		out.VerifiedAt = timestamppb.New(*p.VerifiedAt)
	}
	return out
}

// registrationProto is a partner as the partner itself sees it.
func registrationProto(p domain.Partner) *partnerv1.Registration {
	out := &partnerv1.Registration{
		PartnerId: p.ID.String(), Code: p.Code, Name: p.Name, Status: registrationStatuses[p.Status],
		Locales: p.Locales, QualityCheckRequired: p.QualityCheckRequired, CommissionBps: int32(p.CommissionBPS),
	}
	if p.Fees != (domain.Fees{}) {
		out.FixedFeePerOrder = feeProto(p.Fees)
	}
	if p.VerifiedAt != nil {
		out.VerifiedAt = timestamppb.New(*p.VerifiedAt)
	}
	return out
}

func feeProto(f domain.Fees) *commonv1.Money {
	return &commonv1.Money{CurrencyCode: f.Currency, AmountMinor: f.FixedPerOrder}
}

// feesOf reads fee terms; absent terms are no fee.
func feesOf(f *dockingv1.FeeTerms) domain.Fees {
	m := f.GetFixedPerOrder()
	return domain.Fees{Currency: m.GetCurrencyCode(), FixedPerOrder: m.GetAmountMinor()}
}

func credentialsOf(c *dockingv1.PartnerCredentials) domain.Credentials {
	return domain.Credentials{AppKey: c.GetAppKey(), AppSecret: c.GetAppSecret()}
}
