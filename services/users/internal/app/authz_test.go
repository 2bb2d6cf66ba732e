package app_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

func TestAnotherUsersAddressIsNotFound(t *testing.T) {
	f := newFixture(t)
	ann, _ := f.signUp(t, "ann@example.com", domain.RoleBuyer)
	eve, _ := f.signUp(t, "eve@example.com", domain.RoleBuyer)
	a, err := f.svc.CreateAddress(ctx, caller(ann), address(), false, "")
	if err != nil {
		t.Fatal(err)
	}
	missing := uuid.New()
	for name, run := range map[string]func(uuid.UUID) error{
		"get":    func(id uuid.UUID) error { _, err := f.svc.GetAddress(ctx, caller(eve), id); return err },
		"update": func(id uuid.UUID) error { _, err := f.svc.UpdateAddress(ctx, caller(eve), id, address()); return err },
		"update with bad input": func(id uuid.UUID) error {
			_, err := f.svc.UpdateAddress(ctx, caller(eve), id, domain.Address{CountryCode: "FR"})
			return err
		},
		"delete": func(id uuid.UUID) error { return f.svc.DeleteAddress(ctx, caller(eve), id) },
		"default": func(id uuid.UUID) error {
			_, err := f.svc.SetDefaultAddress(ctx, caller(eve), id)
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			errTheirs, errMissing := run(a.ID), run(missing)
			wantKind(t, errTheirs, apperr.KindNotFound)
			wantKind(t, errMissing, apperr.KindNotFound)
		})
	}
	if list, _ := f.svc.ListAddresses(ctx, caller(eve), ""); len(list) != 0 {
		t.Errorf("eve sees %d addresses", len(list))
	}
	if got, err := f.svc.GetAddress(ctx, caller(ann), a.ID); err != nil || got.ID != a.ID {
		t.Errorf("owner's GetAddress = %v, %v", got, err)
	}
}

func TestAdminOnlyMethods(t *testing.T) {
	f := newFixture(t)
	admin := f.admin(t)
	buyer, _ := f.signUp(t, "ann@example.com", domain.RoleBuyer)
	_, org := f.signUp(t, "sup@example.com", domain.RoleSupplier)
	reviewer := auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: []string{auth.RoleReviewer}}
	service := auth.Caller{Subject: "orders", Kind: auth.KindService, Roles: []string{auth.RoleService}}
	calls := map[string]func(auth.Caller) error{
		"approve": func(c auth.Caller) error { _, err := f.svc.ApproveOrganization(ctx, c, org.ID); return err },
		"reject":  func(c auth.Caller) error { _, err := f.svc.RejectOrganization(ctx, c, org.ID, "no"); return err },
		"tier": func(c auth.Caller) error {
			_, err := f.svc.CreateMerchantTier(ctx, c, "gold", "Gold", 1)
			return err
		},
		"operator": func(c auth.Caller) error {
			_, err := f.svc.CreateOperator(ctx, c, domain.AccountInput{Email: "x@example.com", Password: password, DisplayName: "X"}, domain.RoleAdmin)
			return err
		},
		"rotate key": func(c auth.Caller) error { _, err := f.svc.RotateSigningKey(ctx, c); return err },
		"set tier": func(c auth.Caller) error {
			_, err := f.svc.SetMerchantTier(ctx, c, org.ID, "gold")
			return err
		},
	}
	for name, call := range calls {
		for who, c := range map[string]auth.Caller{"buyer": caller(buyer), "reviewer": reviewer, "service": service} {
			t.Run(name+" by "+who, func(t *testing.T) {
				before := f.rowCounts(t)
				wantKind(t, call(c), apperr.KindPermissionDenied)
				if after := f.rowCounts(t); after["outbox"] != before["outbox"] || after["users"] != before["users"] {
					t.Errorf("rows changed")
				}
			})
		}
	}
	if _, err := f.svc.ApproveOrganization(ctx, admin, org.ID); err != nil {
		t.Errorf("admin approve = %v", err)
	}
	if _, err := f.svc.ApproveOrganization(ctx, admin, org.ID); apperr.KindOf(err) != apperr.KindFailedPrecondition {
		t.Errorf("second approve = %v, want FailedPrecondition", err)
	}
	// Operators list organizations; others may not.
	if _, err := f.svc.ListOrganizations(ctx, reviewer, "", 0, ""); err != nil {
		t.Errorf("reviewer list = %v", err)
	}
	_, err := f.svc.ListOrganizations(ctx, caller(buyer), "", 0, "")
	wantKind(t, err, apperr.KindPermissionDenied)
}

func TestOrganizationVisibilityAndMembers(t *testing.T) {
	f := newFixture(t)
	owner, org := f.signUp(t, "owner@example.com", domain.RoleSupplier)
	other, otherOrg := f.signUp(t, "other@example.com", domain.RoleMerchant)
	buyer, _ := f.signUp(t, "buyer@example.com", domain.RoleBuyer)
	reviewer := auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: []string{auth.RoleReviewer}}

	if got, err := f.svc.GetOrganization(ctx, caller(owner), org.ID); err != nil || got.ID != org.ID {
		t.Errorf("member GetOrganization = %v, %v", got, err)
	}
	if _, err := f.svc.GetOrganization(ctx, reviewer, org.ID); err != nil {
		t.Errorf("operator GetOrganization = %v", err)
	}
	_, err := f.svc.GetOrganization(ctx, caller(other), org.ID)
	wantKind(t, err, apperr.KindNotFound)
	_, err = f.svc.GetOrganization(ctx, caller(buyer), org.ID)
	wantKind(t, err, apperr.KindNotFound)

	staffIn := domain.AccountInput{Email: "staff@example.com", Password: password, DisplayName: "Staff"}
	staff, err := f.svc.AddOrganizationMember(ctx, caller(owner), org.ID, staffIn)
	if err != nil {
		t.Fatal(err)
	}
	if staff.OrganizationID != org.ID || staff.OrganizationRole != domain.MemberStaff || !staff.HasRole(domain.RoleSupplier) {
		t.Errorf("staff = %+v", staff)
	}
	// Staff may not add members; an owner may not add to another organization.
	in2 := domain.AccountInput{Email: "staff2@example.com", Password: password, DisplayName: "Staff 2"}
	_, err = f.svc.AddOrganizationMember(ctx, caller(staff), org.ID, in2)
	wantKind(t, err, apperr.KindPermissionDenied)
	_, err = f.svc.AddOrganizationMember(ctx, caller(other), org.ID, in2)
	wantKind(t, err, apperr.KindNotFound)
	_, err = f.svc.AddOrganizationMember(ctx, caller(owner), otherOrg.ID, in2)
	wantKind(t, err, apperr.KindNotFound)
	if got, err := f.svc.GetOrganization(ctx, caller(staff), org.ID); err != nil || got.ID != org.ID {
		t.Errorf("staff GetOrganization = %v, %v", got, err)
	}
}
