package app_test

import (
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

func (f *fixture) defaults(t *testing.T, userID uuid.UUID) []uuid.UUID {
	t.Helper()
	rows, err := f.pool.Query(ctx, "SELECT id FROM addresses WHERE user_id = $1 AND is_default", userID)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestAddressBookDefaults(t *testing.T) {
	f := newFixture(t)
	u, _ := f.signUp(t, "ann@example.com", domain.RoleBuyer)
	me := caller(u)
	first, err := f.svc.CreateAddress(ctx, me, address(), false, "")
	if err != nil || !first.IsDefault {
		t.Fatalf("first address = %+v, %v; want it default", first, err)
	}
	second, _ := f.svc.CreateAddress(ctx, me, address(), false, "")
	if second.IsDefault {
		t.Error("second address became default without asking")
	}
	third, _ := f.svc.CreateAddress(ctx, me, address(), true, "")
	if d := f.defaults(t, u.ID); len(d) != 1 || d[0] != third.ID {
		t.Errorf("defaults = %v, want only %v", d, third.ID)
	}
	list, _ := f.svc.ListAddresses(ctx, me, "")
	if len(list) != 3 || list[0].ID != third.ID {
		t.Errorf("list does not start with the default: %v", list)
	}
	err = f.svc.DeleteAddress(ctx, me, third.ID)
	wantKind(t, err, apperr.KindFailedPrecondition)
	if _, err := f.svc.SetDefaultAddress(ctx, me, first.ID); err != nil {
		t.Fatal(err)
	}
	for _, a := range []domain.UserAddress{second, third} {
		if err := f.svc.DeleteAddress(ctx, me, a.ID); err != nil {
			t.Fatal(err)
		}
	}
	// The last address goes even though it is the default.
	if err := f.svc.DeleteAddress(ctx, me, first.ID); err != nil {
		t.Errorf("deleting the only address = %v", err)
	}
	changed := address()
	changed.City, changed.RegionCode = "München", "DE-BY"
	a, _ := f.svc.CreateAddress(ctx, me, address(), false, "")
	got, err := f.svc.UpdateAddress(ctx, me, a.ID, changed)
	if err != nil || got.Address.City != "München" || !got.IsDefault {
		t.Errorf("UpdateAddress = %+v, %v", got, err)
	}
}

// Goroutines race to set different defaults; at the end there is exactly one.
func TestConcurrentSetDefaultLeavesExactlyOneDefault(t *testing.T) {
	f := newFixture(t)
	u, _ := f.signUp(t, "ann@example.com", domain.RoleBuyer)
	me := caller(u)
	var ids []uuid.UUID
	for range 6 {
		a, err := f.svc.CreateAddress(ctx, me, address(), false, "")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 60)
	for round := range 10 {
		for i, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if (round+i)%2 == 0 {
					_, err := f.svc.SetDefaultAddress(ctx, me, id)
					errs <- err
				} else {
					_, err := f.svc.CreateAddress(ctx, me, address(), true, "")
					errs <- err
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil && !apperr.IsKind(err, apperr.KindFailedPrecondition) {
			t.Errorf("racing call failed: %v", err)
		}
	}
	if d := f.defaults(t, u.ID); len(d) != 1 {
		t.Fatalf("defaults after the race = %v, want exactly one", d)
	}
}

// A service reads a user's address book (orders takes the buyer's default
// at checkout); a user naming another user, even an admin, is refused.
func TestAnotherUsersAddressesAreForServicesOnly(t *testing.T) {
	f := newFixture(t)
	u, _ := f.signUp(t, "bea@example.com", domain.RoleBuyer)
	eve, _ := f.signUp(t, "eve@example.com", domain.RoleBuyer)
	home, err := f.svc.CreateAddress(ctx, caller(u), address(), false, "")
	if err != nil {
		t.Fatal(err)
	}
	orders := auth.Caller{Subject: "orders", Kind: auth.KindService, Roles: []string{auth.RoleService}}
	list, err := f.svc.ListAddresses(ctx, orders, u.ID.String())
	if err != nil || len(list) != 1 || list[0].ID != home.ID || !list[0].IsDefault {
		t.Fatalf("the service read %v, %v; want the buyer's default", list, err)
	}
	_, err = f.svc.ListAddresses(ctx, caller(eve), u.ID.String())
	wantKind(t, err, apperr.KindPermissionDenied)
	_, err = f.svc.ListAddresses(ctx, f.admin(t), u.ID.String())
	wantKind(t, err, apperr.KindPermissionDenied)
	_, err = f.svc.ListAddresses(ctx, orders, "not-a-uuid")
	wantKind(t, err, apperr.KindInvalid)
}

// A buyer's app that lost CreateAddress's answer (a phone between networks)
// sends it again under the same key: the address book holds it once, even
// when the retries race the first call, and the retry answers it as it is
// now.
func TestCreateAddressOncePerKey(t *testing.T) {
	f := newFixture(t)
	u, _ := f.signUp(t, "ann@example.com", domain.RoleBuyer)
	me := caller(u)
	home, err := f.svc.CreateAddress(ctx, me, address(), false, "")
	if err != nil {
		t.Fatal(err)
	}
	office := address()
	office.Lines = []string{"Friedrichstraße 43"}
	got := make([]domain.UserAddress, 3)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() { got[i], errs[i] = f.svc.CreateAddress(ctx, me, office, true, "office-1") })
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil || got[i].ID != got[0].ID {
			t.Fatalf("concurrent saves under one key: %v / %v, %v", got[i].ID, got[0].ID, errs)
		}
	}
	if list, _ := f.svc.ListAddresses(ctx, me, ""); len(list) != 2 {
		t.Fatalf("%d addresses after three saves under one key, want 2", len(list))
	}
	if _, err := f.svc.SetDefaultAddress(ctx, me, home.ID); err != nil {
		t.Fatal(err)
	}
	again, err := f.svc.CreateAddress(ctx, me, office, true, "office-1")
	if err != nil || again.ID != got[0].ID || again.IsDefault {
		t.Errorf("a retry after another became the default = %+v, %v; want the office, not default", again, err)
	}
	if d := f.defaults(t, u.ID); len(d) != 1 || d[0] != home.ID {
		t.Errorf("defaults after the retry = %v, want only home %v: a retry changes nothing", d, home.ID)
	}
	_, err = f.svc.CreateAddress(ctx, me, address(), true, "office-1")
	wantKind(t, err, apperr.KindAlreadyExists)
	// Keys are each user's own.
	bob, _ := f.signUp(t, "bob@example.com", domain.RoleBuyer)
	if theirs, err := f.svc.CreateAddress(ctx, caller(bob), office, true, "office-1"); err != nil || theirs.ID == got[0].ID {
		t.Errorf("another user's save under the same key = %v, %v", theirs.ID, err)
	}
}
