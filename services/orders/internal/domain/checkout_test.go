package domain_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

func TestCheckAddressNamesEveryBadField(t *testing.T) {
	lat, lng := 91.0, 10.0
	good := domain.Address{Recipient: "Ana", Country: "PT", Region: "PT-11", City: "Lisboa", Lines: []string{"Praça 1"}}
	for _, tc := range []struct {
		name string
		edit func(*domain.Address)
		want []string
	}{
		{"good", func(*domain.Address) {}, nil},
		{"no recipient", func(a *domain.Address) { a.Recipient = " " }, []string{"a.recipient"}},
		{"unknown country", func(a *domain.Address) { a.Country, a.Region = "XX", "" }, []string{"a.country_code"}},
		{"region of another country", func(a *domain.Address) { a.Region = "DE-BY" }, []string{"a.region_code"}},
		{"no city, no lines", func(a *domain.Address) { a.City, a.Lines = "", nil }, []string{"a.city", "a.lines"}},
		{"blank line", func(a *domain.Address) { a.Lines = []string{"ok", ""} }, []string{"a.lines[1]"}},
		// PostgreSQL cannot store a NUL: unchecked, it failed the checkout
		// as an internal error after its stock was reserved.
		{"NUL in a line", func(a *domain.Address) { a.Lines = []string{"Rua\x001"} }, []string{"a.lines[0]"}},
		{"control character in the recipient", func(a *domain.Address) { a.Recipient = "An\x07a" }, []string{"a.recipient"}},
		{"phone and postcode", func(a *domain.Address) { a.Phone, a.Postcode = "+351 21 000 0000", "1000-001" }, nil},
		{"phone too long", func(a *domain.Address) { a.Phone = strings.Repeat("9", 41) }, []string{"a.phone"}},
		{"line break in the postcode", func(a *domain.Address) { a.Postcode = "10\n00" }, []string{"a.postcode"}},
		{"half a location", func(a *domain.Address) { a.Latitude = &lat }, []string{"a.location"}},
		{"latitude out of range", func(a *domain.Address) { a.Latitude, a.Longitude = &lat, &lng }, []string{"a.location"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := good
			tc.edit(&a)
			var v apperr.Violations
			domain.CheckAddress(&v, "a", a)
			if got := violated(v.Err()); !slices.Equal(got, tc.want) {
				t.Errorf("violations %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAssignAddresses(t *testing.T) {
	works, linen, ghost := uuid.New(), uuid.New(), uuid.New()
	drafts := []domain.SubOrderDraft{
		{SupplierID: works, Type: domain.Physical}, {SupplierID: works, Type: domain.Virtual}, {SupplierID: linen, Type: domain.Virtual},
	}
	home := &domain.Address{Recipient: "Ana", Country: "PT", City: "Lisboa", Lines: []string{"1"}}
	office := domain.Address{Recipient: "Ana", Country: "PT", Region: "PT-13", City: "Porto", Lines: []string{"2"}}

	got, err := domain.AssignAddresses(drafts, home, nil, "s")
	if err != nil || got[0] == nil || got[0].City != "Lisboa" || got[1] != nil || got[2] != nil {
		t.Fatalf("default: %v, %v", got, err)
	}
	got, err = domain.AssignAddresses(drafts, home, []domain.SupplierAddress{{SupplierID: works, Address: office}}, "s")
	if err != nil || got[0].City != "Porto" {
		t.Fatalf("override: %v, %v", got, err)
	}
	for _, tc := range []struct {
		name      string
		def       *domain.Address
		overrides []domain.SupplierAddress
		want      []string
	}{
		{"virtual-only supplier", home, []domain.SupplierAddress{{SupplierID: linen, Address: office}}, []string{"s[0].supplier_id"}},
		{"supplier not in the order", home, []domain.SupplierAddress{{SupplierID: ghost, Address: office}}, []string{"s[0].supplier_id"}},
		{"named twice", home, []domain.SupplierAddress{{SupplierID: works, Address: office}, {SupplierID: works, Address: office}}, []string{"s[1].supplier_id"}},
		{"bad override", home, []domain.SupplierAddress{{SupplierID: works, Address: domain.Address{Country: "PT"}}},
			[]string{"s[0].address.recipient", "s[0].address.city", "s[0].address.lines", "s[0].address.region_code"}},
		{"no address at all", nil, nil, []string{"address"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := domain.AssignAddresses(drafts, tc.def, tc.overrides, "s")
			if got := violated(err); !slices.Equal(got, tc.want) {
				t.Errorf("violations %v, want %v", got, tc.want)
			}
		})
	}
}

// Ids derive from what makes an order unique, so a retried checkout lands
// on the same order and sub-orders; another buyer or key does not.
func TestIdsAreStablePerCheckout(t *testing.T) {
	a := domain.OrderID(domain.OwnStore, "ann", "k1")
	if a != domain.OrderID(domain.OwnStore, "ann", "k1") || a == domain.OrderID(domain.OwnStore, "bob", "k1") ||
		a == domain.OrderID(domain.OwnStore, "ann", "k2") || a == domain.OrderID("partner:dh", "", "k1") {
		t.Error("order ids do not follow (channel, buyer, key)")
	}
	s := uuid.New()
	first, again := domain.SubOrderID(a, s, domain.Physical), domain.SubOrderID(a, s, domain.Physical)
	if first == domain.SubOrderID(a, s, domain.Virtual) || first != again {
		t.Error("sub-order ids do not follow (order, supplier, type)")
	}
}

// The order finishes with its last open sub-order: cancelled when none
// completed, completed otherwise.
func TestOrderFinishesWithItsLastSubOrder(t *testing.T) {
	sys := domain.Actor{Kind: domain.ActorSystem, ID: "orders"}
	for _, tc := range []struct {
		name  string
		other domain.Status
		to    domain.Status
		want  domain.Status
	}{
		{"other completed, last cancelled", domain.Completed, domain.Cancelled, domain.Completed},
		{"other cancelled, last cancelled", domain.Cancelled, domain.Cancelled, domain.Cancelled},
		{"other cancelled, last completed", domain.Cancelled, domain.Completed, domain.Completed},
		{"other still open", domain.Shipped, domain.Cancelled, domain.Paid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := uuid.New()
			last := domain.SubOrder{ID: uuid.New(), OrderID: id, Status: domain.Paid}
			if tc.to == domain.Completed {
				last.Status = domain.Delivered
			}
			o := domain.Order{ID: id, Status: domain.Paid, SubOrders: []domain.SubOrder{{ID: uuid.New(), OrderID: id, Status: tc.other}, last}}
			changes, err := o.MoveSubOrder(last.ID, tc.to, sys, "test", at)
			if err != nil {
				t.Fatal(err)
			}
			if o.Status != tc.want {
				t.Errorf("order %s, want %s", o.Status, tc.want)
			}
			if finished := o.Status != domain.Paid; finished != (len(changes) == 2) {
				t.Errorf("%d changes logged for a finish=%v", len(changes), finished)
			}
		})
	}
}
