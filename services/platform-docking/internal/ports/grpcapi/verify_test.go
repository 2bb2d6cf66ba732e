package grpcapi_test

import (
	"crypto/ed25519"
	"testing"

	dockingv1 "github.com/crossdock/crossdock/gen/crossdock/docking/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/simulators/partnersim"
)

// A partner that answers the challenge with its API client's key is
// verified; verifying again refreshes verified_at.
func TestVerifyPartner(t *testing.T) {
	f := newFixture(t)
	p := f.startPartner(t, "dh", nil)
	reg := f.register(t, p)
	if reg.GetStatus() != dockingv1.PartnerStatus_PARTNER_STATUS_UNVERIFIED || reg.GetVerifiedAt() != nil {
		t.Fatalf("registered as %v", reg)
	}
	client, ctx := f.docking(t, admin)
	resp, err := client.VerifyPartner(ctx, &dockingv1.VerifyPartnerRequest{PartnerId: reg.GetPartnerId()})
	if err != nil {
		t.Fatal(err)
	}
	got := resp.GetPartner()
	if got.GetStatus() != dockingv1.PartnerStatus_PARTNER_STATUS_VERIFIED || got.GetVerifiedAt() == nil {
		t.Fatalf("after the handshake: %v", got)
	}
	again, err := client.VerifyPartner(ctx, &dockingv1.VerifyPartnerRequest{PartnerId: reg.GetPartnerId()})
	if err != nil || again.GetPartner().GetVerifiedAt().AsTime().Before(got.GetVerifiedAt().AsTime()) {
		t.Fatalf("verifying again: %v, %v", again, err)
	}
	if p.sim.Handshakes() != 2 {
		t.Errorf("%d handshakes answered, want 2", p.sim.Handshakes())
	}
}

// Every way a handshake can fail leaves the partner as it was, with an
// error that says what to do.
func TestVerifyPartnerFailures(t *testing.T) {
	tests := []struct {
		name   string
		faults func(*partnersim.Config)
		// setup changes the partner or its world before the handshake.
		setup  func(t *testing.T, f *fixture, p *partner)
		kind   apperr.Kind
		reason string
	}{
		{name: "proof by a wrong key", faults: func(c *partnersim.Config) { c.WrongKey = true },
			kind: apperr.KindFailedPrecondition, reason: "HANDSHAKE_FAILED"},
		{name: "partner refuses", faults: func(c *partnersim.Config) { c.Refuse = true },
			kind: apperr.KindFailedPrecondition, reason: "HANDSHAKE_FAILED"},
		{name: "partner does not know our key", faults: func(c *partnersim.Config) {
			c.CrossdockKey = newKey(t).Public().(ed25519.PublicKey)
		}, kind: apperr.KindFailedPrecondition, reason: "HANDSHAKE_FAILED"},
		{name: "API client unknown to users", setup: func(t *testing.T, f *fixture, p *partner) {
			f.users.remove(p.clientID)
		}, kind: apperr.KindFailedPrecondition, reason: "HANDSHAKE_FAILED"},
		{name: "endpoint down", setup: func(t *testing.T, f *fixture, p *partner) { p.sim.Stop() },
			kind: apperr.KindUnavailable, reason: "PARTNER_UNREACHABLE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			p := f.startPartner(t, "dh", tt.faults)
			reg := f.register(t, p)
			if tt.setup != nil {
				tt.setup(t, f, p)
			}
			client, ctx := f.docking(t, admin)
			_, err := client.VerifyPartner(ctx, &dockingv1.VerifyPartnerRequest{PartnerId: reg.GetPartnerId()})
			wantError(t, err, tt.kind, tt.reason)
			unchanged(t, reg, f.get(t, reg.GetPartnerId()))
		})
	}
}

// A suspended partner is not verified until it is resumed; resuming
// restores the verification it had.
func TestSuspendedPartnerMustResumeFirst(t *testing.T) {
	f := newFixture(t)
	p := f.startPartner(t, "dh", nil)
	reg := f.verified(t, p)
	client, ctx := f.docking(t, admin)
	id := reg.GetPartnerId()
	suspended, err := client.SuspendPartner(ctx, &dockingv1.SuspendPartnerRequest{PartnerId: id})
	if err != nil || suspended.GetPartner().GetStatus() != dockingv1.PartnerStatus_PARTNER_STATUS_SUSPENDED {
		t.Fatalf("suspend: %v, %v", suspended, err)
	}
	if again, err := client.SuspendPartner(ctx, &dockingv1.SuspendPartnerRequest{PartnerId: id}); err != nil {
		t.Fatalf("suspend again: %v", err)
	} else {
		unchanged(t, suspended.GetPartner(), again.GetPartner())
	}
	_, err = client.VerifyPartner(ctx, &dockingv1.VerifyPartnerRequest{PartnerId: id})
	wantError(t, err, apperr.KindFailedPrecondition, "PARTNER_SUSPENDED")
	unchanged(t, suspended.GetPartner(), f.get(t, id))
	if p.sim.Handshakes() != 1 {
		t.Errorf("a suspended partner was called: %d handshakes", p.sim.Handshakes())
	}

	resumed, err := client.ResumePartner(ctx, &dockingv1.ResumePartnerRequest{PartnerId: id})
	if err != nil {
		t.Fatal(err)
	}
	if got := resumed.GetPartner(); got.GetStatus() != dockingv1.PartnerStatus_PARTNER_STATUS_VERIFIED ||
		!got.GetVerifiedAt().AsTime().Equal(reg.GetVerifiedAt().AsTime()) {
		t.Fatalf("resumed as %v", got)
	}
	if _, err := client.VerifyPartner(ctx, &dockingv1.VerifyPartnerRequest{PartnerId: id}); err != nil {
		t.Fatalf("verify after resuming: %v", err)
	}
}
