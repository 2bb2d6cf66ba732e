package grpcapi_test

import (
	"context"
	"testing"
	"time"

	dockingv1 "github.com/crossdock/crossdock/gen/crossdock/docking/v1"
	partnerv1 "github.com/crossdock/crossdock/gen/crossdock/partner/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
)

// A verified partner reads its own registration with a signed call.
func TestGetMyPartner(t *testing.T) {
	f := newFixture(t)
	p := f.startPartner(t, "dh", nil)
	reg := f.verified(t, p)
	resp, err := partnerv1.NewPartnerServiceClient(f.asPartner(t, p.clientID, p.key)).GetMyPartner(context.Background(), &partnerv1.GetMyPartnerRequest{})
	if err != nil {
		t.Fatal(err)
	}
	got := resp.GetRegistration()
	if got.GetPartnerId() != reg.GetPartnerId() || got.GetCode() != "dh" || got.GetStatus() != partnerv1.RegistrationStatus_REGISTRATION_STATUS_VERIFIED ||
		got.GetCommissionBps() != 800 || got.GetFixedFeePerOrder().GetAmountMinor() != 50 || got.GetVerifiedAt() == nil {
		t.Errorf("registration = %v", got)
	}
}

// What pkg/auth refuses never reaches docking, and what docking refuses
// says why; nothing changes either way.
func TestGetMyPartnerRefusals(t *testing.T) {
	f := newFixture(t)
	p := f.startPartner(t, "dh", nil)
	reg := f.verified(t, p)
	method := partnerv1.PartnerService_GetMyPartner_FullMethodName
	req := &partnerv1.GetMyPartnerRequest{}
	client := partnerv1.NewPartnerServiceClient(f.asPartner(t, p.clientID, p.key)) // signs every call afresh
	plain := partnerv1.NewPartnerServiceClient(dial(t, f.addr))

	replayed := rawSigned(p.clientID, p.key, method, time.Now(), auth.NewNonce(), req)
	if _, err := plain.GetMyPartner(replayed, req); err != nil {
		t.Fatalf("first use of the nonce: %v", err)
	}
	for name, ctx := range map[string]context.Context{
		"signed by another key": rawSigned(p.clientID, newKey(t), method, time.Now(), auth.NewNonce(), req),
		"stale timestamp":       rawSigned(p.clientID, p.key, method, time.Now().Add(-10*time.Minute), auth.NewNonce(), req),
		"replayed nonce":        replayed,
		"unknown client":        rawSigned("pc-nobody", p.key, method, time.Now(), auth.NewNonce(), req),
		"signed for another method": rawSigned(p.clientID, p.key, dockingv1.DockingService_ListPartners_FullMethodName,
			time.Now(), auth.NewNonce(), req),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := plain.GetMyPartner(ctx, req)
			wantError(t, err, apperr.KindUnauthenticated, "")
		})
	}
	unchanged(t, reg, f.get(t, reg.GetPartnerId()))

	admins, ctx := f.docking(t, admin)
	if _, err := admins.SuspendPartner(ctx, &dockingv1.SuspendPartnerRequest{PartnerId: reg.GetPartnerId()}); err != nil {
		t.Fatal(err)
	}
	suspended := f.get(t, reg.GetPartnerId())
	_, err := client.GetMyPartner(context.Background(), req)
	wantError(t, err, apperr.KindPermissionDenied, "PARTNER_SUSPENDED")
	unchanged(t, suspended, f.get(t, reg.GetPartnerId()))

	other := f.startPartner(t, "fresh", nil)
	unverified := f.register(t, other)
	_, err = partnerv1.NewPartnerServiceClient(f.asPartner(t, other.clientID, other.key)).GetMyPartner(context.Background(), req)
	wantError(t, err, apperr.KindFailedPrecondition, "PARTNER_NOT_VERIFIED")
	unchanged(t, unverified, f.get(t, unverified.GetPartnerId()))

	// A signed client that is no partner is told so.
	stranger := f.startPartner(t, "stranger", nil)
	_, err = partnerv1.NewPartnerServiceClient(f.asPartner(t, stranger.clientID, stranger.key)).GetMyPartner(context.Background(), req)
	wantError(t, err, apperr.KindNotFound, "")
}

// Access tokens do not make anyone a partner.
func TestGetMyPartnerNeedsASignedPartner(t *testing.T) {
	f := newFixture(t)
	for _, c := range []auth.Caller{admin, buyer, supplier} {
		_, err := partnerv1.NewPartnerServiceClient(dial(t, f.addr)).GetMyPartner(testkitAs(t, f, c), &partnerv1.GetMyPartnerRequest{})
		wantError(t, err, apperr.KindPermissionDenied, "PARTNERS_ONLY")
	}
}

func testkitAs(t *testing.T, f *fixture, c auth.Caller) context.Context {
	_, ctx := f.docking(t, c)
	return ctx
}
