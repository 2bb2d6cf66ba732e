package domain_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

var at = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

func violated(err error) []string {
	var e *apperr.Error
	if !errors.As(err, &e) {
		return nil
	}
	var out []string
	for _, v := range e.Violations {
		out = append(out, v.Field)
	}
	return out
}

func TestCartSet(t *testing.T) {
	var c domain.Cart
	a, b := uuid.New(), uuid.New()
	steps := []struct {
		sku     uuid.UUID
		qty     int32
		wantErr apperr.Kind
		want    map[uuid.UUID]int32
	}{
		{a, 2, apperr.KindUnknown, map[uuid.UUID]int32{a: 2}},
		{b, 1, apperr.KindUnknown, map[uuid.UUID]int32{a: 2, b: 1}},
		{a, 5, apperr.KindUnknown, map[uuid.UUID]int32{a: 5, b: 1}},
		{b, 0, apperr.KindUnknown, map[uuid.UUID]int32{a: 5}},
		{b, 0, apperr.KindNotFound, map[uuid.UUID]int32{a: 5}},
		{a, -1, apperr.KindInvalid, map[uuid.UUID]int32{a: 5}},
		{a, domain.MaxLineQuantity + 1, apperr.KindInvalid, map[uuid.UUID]int32{a: 5}},
		{uuid.Nil, 1, apperr.KindInvalid, map[uuid.UUID]int32{a: 5}},
	}
	for i, st := range steps {
		err := c.Set(st.sku, st.qty, at)
		if apperr.KindOf(err) != st.wantErr {
			t.Errorf("step %d: %v, want kind %v", i, err, st.wantErr)
		}
		got := map[uuid.UUID]int32{}
		for _, l := range c.Lines {
			got[l.SKUID] = l.Quantity
		}
		if len(got) != len(st.want) {
			t.Errorf("step %d: cart %v, want %v", i, got, st.want)
		}
		for k, v := range st.want {
			if got[k] != v {
				t.Errorf("step %d: %s × %d, want %d", i, k, got[k], v)
			}
		}
	}
	for range domain.MaxCartLines - 1 {
		if err := c.Set(uuid.New(), 1, at); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Set(uuid.New(), 1, at); !apperr.IsKind(err, apperr.KindFailedPrecondition) {
		t.Errorf("a line past the limit: %v", err)
	}
}

func sku(supplier uuid.UUID, typ domain.ProductType, price int64, currency string) domain.SKU {
	return domain.SKU{ID: uuid.New(), SupplierID: supplier, Type: typ, WeightG: 500, VolumeCM3: 1000,
		Price: money.MustNew(price, currency), OriginCountry: "CN", OriginRegion: "CN-GD", OnSale: true}
}

func TestResolveNamesEveryBadLine(t *testing.T) {
	s := uuid.New()
	on, off := sku(s, domain.Physical, 1000, "USD"), sku(s, domain.Physical, 1000, "USD")
	off.OnSale = false
	skus := map[uuid.UUID]domain.SKU{on.ID: on, off.ID: off}
	_, err := domain.Resolve([]domain.CartLine{{SKUID: on.ID, Quantity: 1}, {SKUID: off.ID, Quantity: 1}, {SKUID: uuid.New(), Quantity: 1}, {SKUID: on.ID, Quantity: 0}}, skus)
	got := violated(err)
	want := []string{"lines[1].sku_id", "lines[2].sku_id", "lines[3].quantity"}
	if len(got) != len(want) {
		t.Fatalf("violations %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("violation %d = %s, want %s", i, got[i], want[i])
		}
	}
	if _, err := domain.Resolve(nil, skus); len(violated(err)) != 1 {
		t.Errorf("an empty cart: %v", err)
	}
}

// Two suppliers, one selling physical and virtual goods: three
// sub-orders, each one supplier's goods of one type, with its totals.
func TestSplitBySupplierThenType(t *testing.T) {
	s1, s2 := uuid.New(), uuid.New()
	if s1.String() > s2.String() {
		s1, s2 = s2, s1
	}
	phone, licence, case_ := sku(s1, domain.Physical, 20000, "USD"), sku(s1, domain.Virtual, 1500, "USD"), sku(s1, domain.Physical, 999, "USD")
	linen := sku(s2, domain.Physical, 4500, "EUR")
	drafts, err := domain.Split([]domain.Line{{SKU: licence, Quantity: 1}, {SKU: linen, Quantity: 2}, {SKU: phone, Quantity: 1}, {SKU: case_, Quantity: 3}})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		supplier uuid.UUID
		typ      domain.ProductType
		lines    int
		goods    money.Money
		weight   int64
	}{
		{s1, domain.Physical, 2, money.MustNew(20000+3*999, "USD"), 4 * 500},
		{s1, domain.Virtual, 1, money.MustNew(1500, "USD"), 500},
		{s2, domain.Physical, 1, money.MustNew(9000, "EUR"), 1000},
	}
	if len(drafts) != len(want) {
		t.Fatalf("%d sub-orders, want %d", len(drafts), len(want))
	}
	for i, w := range want {
		d := drafts[i]
		if d.SupplierID != w.supplier || d.Type != w.typ || len(d.Lines) != w.lines || d.Goods != w.goods || d.WeightG != w.weight {
			t.Errorf("sub-order %d = %s %s %d lines %v %d g; want %s %s %d %v %d", i, d.SupplierID, d.Type, len(d.Lines), d.Goods, d.WeightG, w.supplier, w.typ, w.lines, w.goods, w.weight)
		}
	}
	mixed := sku(s1, domain.Physical, 100, "EUR")
	if _, err := domain.Split([]domain.Line{{SKU: phone, Quantity: 1}, {SKU: mixed, Quantity: 1}}); !apperr.IsKind(err, apperr.KindFailedPrecondition) {
		t.Errorf("one supplier in two currencies: %v", err)
	}
}

func order() domain.Order {
	id := uuid.New()
	return domain.Order{ID: id, BuyerID: "buyer", Status: domain.PendingPayment, PaymentDueAt: at.Add(30 * time.Minute),
		SubOrders: []domain.SubOrder{{ID: uuid.New(), OrderID: id, Status: domain.PendingPayment}, {ID: uuid.New(), OrderID: id, Status: domain.PendingPayment}}}
}

var (
	system = domain.Actor{Kind: domain.ActorSystem, ID: "orders"}
	buyer  = domain.Actor{Kind: domain.ActorBuyer, ID: "buyer"}
)

func TestOrderLifecycle(t *testing.T) {
	o := order()
	if _, err := o.Pay(buyer, at.Add(31*time.Minute)); !apperr.IsKind(err, apperr.KindFailedPrecondition) || o.Status != domain.PendingPayment {
		t.Fatalf("paying after the deadline: %v, status %s", err, o.Status)
	}
	changes, err := o.Pay(buyer, at.Add(time.Minute))
	if err != nil || len(changes) != 3 || o.Status != domain.Paid {
		t.Fatalf("pay: %d changes, %v, status %s", len(changes), err, o.Status)
	}
	if _, err := o.Pay(buyer, at.Add(2*time.Minute)); !apperr.IsKind(err, apperr.KindFailedPrecondition) {
		t.Errorf("paying twice: %v", err)
	}
	sub := &o.SubOrders[0]
	for _, to := range []domain.Status{domain.Accepted, domain.Shipped, domain.Delivered} {
		if _, err := sub.Move(to, domain.Actor{Kind: domain.ActorSupplier}, "", at); err != nil {
			t.Fatalf("%s: %v", to, err)
		}
	}
	if _, err := o.Cancel(buyer, "changed my mind", at); !apperr.IsKind(err, apperr.KindFailedPrecondition) || o.SubOrders[1].Status != domain.Paid {
		t.Fatalf("cancelling after shipment: %v; the other sub-order is %s", err, o.SubOrders[1].Status)
	}
	if _, err := sub.Move(domain.Paid, buyer, "", at); !apperr.IsKind(err, apperr.KindFailedPrecondition) {
		t.Errorf("a delivered sub-order went back to paid: %v", err)
	}
	changes, err = o.Settle(o.SubOrders[0].ID, system, at)
	if err != nil || len(changes) != 1 || o.Status != domain.Paid {
		t.Fatalf("settling one of two: %d changes, %v, order %s", len(changes), err, o.Status)
	}
	if _, err := o.SubOrders[1].Move(domain.Cancelled, buyer, "out of stock", at); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Settle(o.SubOrders[1].ID, system, at); !apperr.IsKind(err, apperr.KindFailedPrecondition) {
		t.Errorf("settling a cancelled sub-order: %v", err)
	}
}

func TestTimeoutCancelsEverything(t *testing.T) {
	o := order()
	changes, err := o.Cancel(system, "payment_timeout", at.Add(31*time.Minute))
	if err != nil || len(changes) != 3 || o.Status != domain.Cancelled {
		t.Fatalf("timeout: %d changes, %v, %s", len(changes), err, o.Status)
	}
	for _, c := range changes {
		if c.From != domain.PendingPayment || c.To != domain.Cancelled || c.Reason != "payment_timeout" || c.Actor != system {
			t.Errorf("change %+v", c)
		}
	}
	if _, err := o.Pay(buyer, at); !apperr.IsKind(err, apperr.KindFailedPrecondition) {
		t.Errorf("paying a cancelled order: %v", err)
	}
}

// A checkout whose lines make more sub-orders than one payment takes is
// refused before anything is held; before, it was placed and could never
// be paid. Split itself (a partner's order too) takes any number.
func TestOnePaymentTakesAtMostMaxSubOrders(t *testing.T) {
	for _, tt := range []struct {
		suppliers int
		refused   bool
	}{{domain.MaxSubOrders, false}, {domain.MaxSubOrders + 1, true}} {
		var lines []domain.Line
		for range tt.suppliers {
			lines = append(lines, domain.Line{SKU: sku(uuid.New(), domain.Physical, 100, "USD"), Quantity: 1})
		}
		drafts, err := domain.Split(lines)
		if err != nil || len(drafts) != tt.suppliers {
			t.Fatalf("%d suppliers: split into %d, %v", tt.suppliers, len(drafts), err)
		}
		err = domain.CheckOnePayment(drafts)
		if tt.refused {
			var e *apperr.Error
			if !errors.As(err, &e) || e.Kind != apperr.KindFailedPrecondition || e.Reason != domain.ReasonTooManySubOrders {
				t.Errorf("%d suppliers: %d sub-orders, %v; want %s", tt.suppliers, len(drafts), err, domain.ReasonTooManySubOrders)
			}
			continue
		}
		if err != nil {
			t.Errorf("%d suppliers: %v", tt.suppliers, err)
		}
	}
}
