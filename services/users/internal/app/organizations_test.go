package app_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

func TestListOrganizationsPages(t *testing.T) {
	f := newFixture(t)
	admin := f.admin(t)
	var pending []uuid.UUID
	for i := range 5 {
		_, org := f.signUp(t, fmt.Sprintf("s%d@example.com", i), domain.RoleSupplier)
		if i == 2 {
			if _, err := f.svc.RejectOrganization(ctx, admin, org.ID, "incomplete documents"); err != nil {
				t.Fatal(err)
			}
			continue
		}
		pending = append(pending, org.ID)
	}
	var got []uuid.UUID
	token := ""
	for pages := 0; ; pages++ {
		page, err := f.svc.ListOrganizations(ctx, admin, domain.StatusPending, 3, token)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Organizations {
			got = append(got, o.ID)
		}
		if token = page.NextPageToken; token == "" || pages > 5 {
			break
		}
	}
	if !slices.Equal(got, pending) {
		t.Errorf("pending organizations over pages = %v, want %v", got, pending)
	}
	first, err := f.svc.ListOrganizations(ctx, admin, domain.StatusPending, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	// A token is refused with any other filter: its place in the pending
	// list would skip the rejected ones created before it.
	for _, other := range []domain.OrganizationStatus{domain.StatusRejected, ""} {
		_, err := f.svc.ListOrganizations(ctx, admin, other, 0, first.NextPageToken)
		wantKind(t, err, apperr.KindInvalid)
		if fields := testkit.FieldsOf(err); !slices.Equal(fields, []string{"page.page_token"}) {
			t.Errorf("status %q with a pending page's token: fields = %v", other, fields)
		}
	}
	_, err = f.svc.ListOrganizations(ctx, admin, "", 0, "%%%")
	wantKind(t, err, apperr.KindInvalid)
	if fields := testkit.FieldsOf(err); !slices.Equal(fields, []string{"page.page_token"}) {
		t.Errorf("fields = %v", fields)
	}
}
