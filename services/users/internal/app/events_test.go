package app_test

import (
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/services/users/internal/app"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

func TestEventsAreWrittenToTheOutbox(t *testing.T) {
	f := newFixture(t)
	admin := f.admin(t)
	owner, org := f.signUp(t, "shop@example.com", domain.RoleMerchant)
	if _, err := f.svc.ApproveOrganization(ctx, admin, org.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CreateMerchantTier(ctx, admin, "gold", "Gold", 2); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetMerchantTier(ctx, admin, org.ID, "gold"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetMerchantTier(ctx, admin, org.ID, "gold"); err != nil { // the same tier, announced again
		t.Fatal(err)
	}
	a, err := f.svc.CreateAddress(ctx, caller(owner), address(), false, "")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := f.svc.CreateAddress(ctx, caller(owner), address(), false, "") // not default: no event
	if _, err := f.svc.SetDefaultAddress(ctx, caller(owner), b.ID); err != nil {
		t.Fatal(err)
	}
	want := []string{
		app.SubjectUserRegistered, // the bootstrap admin
		app.SubjectUserRegistered, // the merchant owner
		app.SubjectOrganizationApproved,
		app.SubjectMerchantTierChanged,
		app.SubjectMerchantTierChanged,   // re-set: a consumer that missed it catches up
		app.SubjectAddressDefaultChanged, // first address
		app.SubjectAddressDefaultChanged, // explicit change
	}
	if got := f.events(t); !slices.Equal(got, want) {
		t.Fatalf("outbox = %v\nwant     %v", got, want)
	}

	// Payloads are the contract's messages.
	payload := func(subject string, msg proto.Message) {
		t.Helper()
		var raw []byte
		var typ string
		if err := f.pool.QueryRow(ctx, "SELECT payload, event_type FROM outbox WHERE subject = $1 ORDER BY seq DESC LIMIT 1", subject).Scan(&raw, &typ); err != nil {
			t.Fatal(err)
		}
		if typ != string(proto.MessageName(msg)) {
			t.Errorf("%s type = %s", subject, typ)
		}
		if err := proto.Unmarshal(raw, msg); err != nil {
			t.Fatal(err)
		}
	}
	var reg usersv1.UserRegistered
	payload(app.SubjectUserRegistered, &reg)
	if reg.GetUserId() != owner.ID.String() || reg.GetOrganizationId() != org.ID.String() || !slices.Equal(reg.GetRoles(), []string{"merchant"}) {
		t.Errorf("UserRegistered = %v", &reg)
	}
	var appr usersv1.OrganizationApproved
	payload(app.SubjectOrganizationApproved, &appr)
	if appr.GetOrganizationId() != org.ID.String() || appr.GetKind() != "merchant" || appr.GetApprovedBy() != admin.Subject {
		t.Errorf("OrganizationApproved = %v", &appr)
	}
	var tier usersv1.MerchantTierChanged
	payload(app.SubjectMerchantTierChanged, &tier)
	if tier.GetMerchantId() != org.ID.String() || tier.GetPreviousTier() != "gold" || tier.GetTier() != "gold" {
		t.Errorf("MerchantTierChanged = %v", &tier)
	}
	var def usersv1.AddressDefaultChanged
	payload(app.SubjectAddressDefaultChanged, &def)
	if def.GetUserId() != owner.ID.String() || def.GetAddressId() != b.ID.String() || def.GetOccurredAt() == nil {
		t.Errorf("AddressDefaultChanged = %v (first was %v)", &def, a.ID)
	}
}
