package app_test

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/orders/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
	"github.com/crossdock/crossdock/services/orders/migrations"
)

// saga is an orders service on a real database against the world, with a
// clock the test moves.
type saga struct {
	svc   *app.Service
	store *postgres.Store
	w     *world
	pool  *pgxpool.Pool
	at    time.Time
	// Two suppliers, each selling a physical and a virtual SKU in USD.
	gadgets, linen     uuid.UUID
	phone, code, scarf domain.SKU
	voucher            domain.SKU
}

const timeout = 30 * time.Minute

func newSaga(t *testing.T) *saga {
	t.Helper()
	return newSagaOn(t, testkit.Database(t, testkit.Migrations{Name: "orders", FS: migrations.FS}))
}

// newSagaOn is newSaga on a database of the test's.
func newSagaOn(t *testing.T, pool *pgxpool.Pool) *saga {
	t.Helper()
	s := &saga{gadgets: uuid.New(), linen: uuid.New(), at: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)}
	sku := func(supplier uuid.UUID, typ domain.ProductType, price int64) domain.SKU {
		return domain.SKU{ID: uuid.New(), ProductID: uuid.New(), SupplierID: supplier, Type: typ, WeightG: 500, VolumeCM3: 1000,
			Price: money.MustNew(price, "USD"), OriginCountry: "CN", OriginRegion: "CN-GD", OnSale: true}
	}
	s.phone, s.code = sku(s.gadgets, domain.Physical, 10000), sku(s.gadgets, domain.Virtual, 2000)
	s.scarf, s.voucher = sku(s.linen, domain.Physical, 3000), sku(s.linen, domain.Virtual, 1000)
	s.w = newWorld(s.phone, s.code, s.scarf, s.voucher)
	for _, k := range []domain.SKU{s.phone, s.code, s.scarf, s.voucher} {
		s.w.stock[k.ID] = 10
	}
	s.w.now = func() time.Time { return s.at }
	s.store, s.pool = postgres.New(pool), pool
	s.svc = s.replica(s.store)
	return s
}

// laterColumns are the columns later migrations add that today's code
// reads and writes, by the migration adding each: on an older schema they
// stand in while today's code runs, and are dropped before the migrations.
var laterColumns = []struct{ migration, table, column, definition string }{
	{"00013", "sub_order_lines", "discount_minor", "bigint NOT NULL DEFAULT 0"},
	{"00015", "after_sales", "original_kept", "boolean NOT NULL DEFAULT false"},
	{"00018", "sub_orders", "settling_at", "timestamptz"},
}

// newSagaBefore is a saga on a database migrated up to version (not
// including it), with today's columns standing in; migrateRest runs the
// rest. A migration's test runs today's code on the schema it finds.
func newSagaBefore(t *testing.T, name, version string) (s *saga, migrateRest func()) {
	t.Helper()
	pool := testkit.Database(t, testkit.MigrationsBefore(t, name, migrations.FS, version))
	later := func(sql func(table, column, definition string) string) {
		t.Helper()
		for _, c := range laterColumns {
			if c.migration < version {
				continue
			}
			if _, err := pool.Exec(ctx, sql(c.table, c.column, c.definition)); err != nil {
				t.Fatal(err)
			}
		}
	}
	later(func(table, column, definition string) string {
		return "ALTER TABLE " + table + " ADD COLUMN " + column + " " + definition
	})
	return newSagaOn(t, pool), func() {
		t.Helper()
		later(func(table, column, _ string) string { return "ALTER TABLE " + table + " DROP COLUMN " + column })
		if err := pg.Migrate(ctx, pool, migrations.FS); err != nil {
			t.Fatal(err)
		}
	}
}

// replica is another orders replica on store (the saga's, or one wrapping
// it to interleave), against the same world and clock.
func (s *saga) replica(store app.Store) *app.Service {
	svc := app.New(store, s.w.peers(), app.Config{PaymentTimeout: timeout, AutoComplete: 7 * 24 * time.Hour, PaymentSettle: time.Minute})
	svc.SetClock(func() time.Time { return s.at })
	return svc
}

// buyer signs up a buyer with a default address and money in the wallet.
func (s *saga) buyer(wallet int64) auth.Caller {
	b := buyer()
	s.w.addresses[b.Subject] = &domain.Address{Recipient: "Ana", Country: "PT", Region: "PT-11", City: "Lisboa", Lines: []string{"Praça do Comércio 1"}}
	s.w.wallets[b.Subject] = wallet
	return b
}

func supplierOf(org uuid.UUID) auth.Caller {
	return auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: []string{auth.RoleSupplier}, OrganizationID: org.String()}
}

// run runs every saga step due now.
func (s *saga) run(t *testing.T) {
	t.Helper()
	for {
		n, err := s.svc.RunTasks(ctx, 100, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

func (s *saga) checkout(t *testing.T, b auth.Caller, lines ...domain.CartLine) domain.Order {
	t.Helper()
	o, _, err := s.svc.Checkout(ctx, b, app.CheckoutInput{CheckoutID: uuid.NewString(), Lines: lines, Currency: "USD"})
	if err != nil {
		t.Fatalf("checkout: %v", err)
	}
	return o
}

func line(sku domain.SKU, n int32) domain.CartLine {
	return domain.CartLine{SKUID: sku.ID, Quantity: n}
}

func wantKind(t *testing.T, err error, kind apperr.Kind, reason string) {
	t.Helper()
	var e *apperr.Error
	if apperr.KindOf(err) != kind {
		t.Fatalf("error %v, want %v", err, kind)
	}
	if reason != "" && (!asApp(err, &e) || e.Reason != reason) {
		t.Fatalf("error %v, want reason %s", err, reason)
	}
}

// A buyer's order of four SKUs from two suppliers splits into four
// sub-orders (supplier, then type); the stock of each is held under the
// sub-order's own key; paying once moves the total, marks every sub-order
// paid and extends the holds for fulfilment; each supplier lists only its
// own sub-orders.
func TestCheckoutSplitsReservesAndPaysOnce(t *testing.T) {
	s := newSaga(t)
	ann := s.buyer(100_000)
	o := s.checkout(t, ann, line(s.phone, 1), line(s.scarf, 2), line(s.code, 1), line(s.voucher, 3))
	if len(o.SubOrders) != 4 || o.Status != domain.PendingPayment {
		t.Fatalf("order %+v, want 4 pending sub-orders", o)
	}
	var total int64
	for _, sub := range o.SubOrders {
		total += sub.BuyerAmount
		wantFreight := int64(0)
		if sub.Type == domain.Physical {
			wantFreight = 500
			if sub.Address == nil || sub.Address.Country != "PT" {
				t.Errorf("physical sub-order without the default address: %+v", sub)
			}
		} else if sub.Address != nil {
			t.Errorf("virtual sub-order with an address: %+v", sub)
		}
		if sub.Freight.Amount != wantFreight || sub.BuyerAmount != sub.Goods.Amount+wantFreight {
			t.Errorf("sub-order %s: goods %v freight %v buyer %d", sub.Type, sub.Goods, sub.Freight, sub.BuyerAmount)
		}
		if r := s.w.reserved[sub.ID]; r == nil || r.status != "active" || !r.expires.After(o.PaymentDueAt) {
			t.Errorf("sub-order %s's stock not held past the deadline: %+v", sub.ID, r)
		}
	}
	// 100 + 2×30 + 20 + 3×10 goods, two physical freights of 5.
	if o.Total != total || total != 10000+6000+2000+3000+1000 {
		t.Fatalf("total %d, sub-orders %d", o.Total, total)
	}
	if s.w.stock[s.scarf.ID] != 8 || s.w.stock[s.voucher.ID] != 7 {
		t.Errorf("stock after checkout: scarf %d voucher %d", s.w.stock[s.scarf.ID], s.w.stock[s.voucher.ID])
	}

	// A supplier sees nothing before payment.
	if list, _, err := s.svc.ListSupplierSubOrders(ctx, supplierOf(s.gadgets), uuid.Nil, nil, 0, ""); err != nil || len(list) != 0 {
		t.Fatalf("supplier sees %d sub-orders before payment (%v)", len(list), err)
	}
	paid, err := s.svc.PayOrder(ctx, ann, o.ID)
	if err != nil || paid.Status != domain.Paid {
		t.Fatalf("pay: %+v, %v", paid.Status, err)
	}
	if s.w.wallets[ann.Subject] != 100_000-total {
		t.Errorf("wallet %d after paying %d", s.w.wallets[ann.Subject], total)
	}
	_, err = s.svc.PayOrder(ctx, ann, o.ID)
	wantKind(t, err, apperr.KindFailedPrecondition, "ALREADY_PAID")
	if s.w.wallets[ann.Subject] != 100_000-total {
		t.Errorf("paying twice took money again: wallet %d", s.w.wallets[ann.Subject])
	}
	s.run(t)
	for _, sub := range o.SubOrders {
		if r := s.w.reserved[sub.ID]; r.expires.Sub(s.at) < 24*time.Hour {
			t.Errorf("a paid sub-order's stock is held only until %v", r.expires)
		}
	}
	// A page token is bound to the statuses it was listed with: another
	// filter's list would start at its place and skip rows before it.
	paidOrAccepted := []domain.Status{domain.Paid, domain.Accepted}
	first, token, err := s.svc.ListSupplierSubOrders(ctx, supplierOf(s.gadgets), uuid.Nil, paidOrAccepted, 1, "")
	if err != nil || len(first) != 1 || token == "" {
		t.Fatalf("first page of one: %d sub-orders, token %q, %v", len(first), token, err)
	}
	if next, _, err := s.svc.ListSupplierSubOrders(ctx, supplierOf(s.gadgets), uuid.Nil, []domain.Status{domain.Accepted, domain.Paid}, 1, token); err != nil || len(next) != 1 || next[0].SubOrders[0].ID == first[0].SubOrders[0].ID {
		t.Fatalf("second page with the same statuses: %v, %v", next, err)
	}
	_, _, err = s.svc.ListSupplierSubOrders(ctx, supplierOf(s.gadgets), uuid.Nil, []domain.Status{domain.Shipped}, 1, token)
	wantKind(t, err, apperr.KindInvalid, "")
	for _, supplier := range []uuid.UUID{s.gadgets, s.linen} {
		list, _, err := s.svc.ListSupplierSubOrders(ctx, supplierOf(supplier), uuid.Nil, nil, 0, "")
		if err != nil || len(list) != 2 {
			t.Fatalf("supplier %s lists %d sub-orders (%v), want its 2", supplier, len(list), err)
		}
		for _, e := range list {
			if e.SubOrders[0].SupplierID != supplier {
				t.Errorf("supplier %s sees another's sub-order %+v", supplier, e.SubOrders[0])
			}
			other := s.gadgets
			if supplier == s.gadgets {
				other = s.linen
			}
			if _, err := s.svc.GetSubOrder(ctx, supplierOf(other), e.SubOrders[0].ID); apperr.KindOf(err) != apperr.KindNotFound {
				t.Errorf("another supplier reads it: %v", err)
			}
		}
	}
	// The same checkout id answers the same order; used for another
	// basket or currency it is refused, not answered with this order.
	again, replayed, err := s.svc.Checkout(ctx, ann, app.CheckoutInput{CheckoutID: o.CheckoutID, Currency: "USD",
		Lines: []domain.CartLine{line(s.voucher, 3), line(s.phone, 1), line(s.code, 1), line(s.scarf, 2)}})
	if err != nil || !replayed || again.ID != o.ID {
		t.Errorf("retried checkout = %v, %v, %v", again.ID, replayed, err)
	}
	for _, other := range []app.CheckoutInput{
		{CheckoutID: o.CheckoutID, Currency: "USD", Lines: []domain.CartLine{line(s.phone, 1)}},
		{CheckoutID: o.CheckoutID, Currency: "USD", Lines: []domain.CartLine{line(s.phone, 1), line(s.scarf, 3), line(s.code, 1), line(s.voucher, 3)}},
		{CheckoutID: o.CheckoutID, Currency: "EUR", Lines: []domain.CartLine{line(s.phone, 1), line(s.scarf, 2), line(s.code, 1), line(s.voucher, 3)}},
	} {
		_, _, err := s.svc.Checkout(ctx, ann, other)
		wantKind(t, err, apperr.KindAlreadyExists, "IDEMPOTENCY_KEY_REUSED")
	}
}

// Bad input is refused with precise errors and changes nothing: no order,
// no stock held.
func TestCheckoutRefusesBadInputAndHoldsNothing(t *testing.T) {
	s := newSaga(t)
	ann := s.buyer(100_000)
	before := map[uuid.UUID]int64{}
	for id, n := range s.w.stock {
		before[id] = n
	}
	gone := uuid.New()
	pt := domain.Address{Recipient: "Ana", Country: "PT", Region: "PT-13", City: "Porto", Lines: []string{"Rua 1"}}
	noRegion := domain.Address{Recipient: "Kim", Country: "DE", City: "Berlin", Lines: []string{"Allee 1"}}
	for _, tc := range []struct {
		name   string
		in     app.CheckoutInput
		kind   apperr.Kind
		reason string
	}{
		{"empty cart", app.CheckoutInput{CheckoutID: "a", Currency: "USD"}, apperr.KindInvalid, ""},
		{"unknown SKU", app.CheckoutInput{CheckoutID: "b", Currency: "USD", Lines: []domain.CartLine{{SKUID: gone, Quantity: 1}}}, apperr.KindInvalid, ""},
		{"quantity 0", app.CheckoutInput{CheckoutID: "c", Currency: "USD", Lines: []domain.CartLine{line(s.phone, 0)}}, apperr.KindInvalid, ""},
		{"beyond stock", app.CheckoutInput{CheckoutID: "d", Currency: "USD", Lines: []domain.CartLine{line(s.code, 1), line(s.scarf, 11)}}, apperr.KindFailedPrecondition, "INSUFFICIENT_STOCK"},
		{"address on virtual goods", app.CheckoutInput{CheckoutID: "e", Currency: "USD", Lines: []domain.CartLine{line(s.phone, 1), line(s.voucher, 1)},
			Suppliers: []domain.SupplierAddress{{SupplierID: s.linen, Address: pt}}}, apperr.KindInvalid, ""},
		{"an address without its region", app.CheckoutInput{CheckoutID: "h", Currency: "USD", Lines: []domain.CartLine{line(s.phone, 1)}, Address: &noRegion},
			apperr.KindInvalid, ""},
		{"no checkout id", app.CheckoutInput{Currency: "USD", Lines: []domain.CartLine{line(s.phone, 1)}}, apperr.KindInvalid, ""},
		{"bad currency", app.CheckoutInput{CheckoutID: "f", Currency: "usd", Lines: []domain.CartLine{line(s.phone, 1)}}, apperr.KindInvalid, ""},
		{"malformed coupon id", app.CheckoutInput{CheckoutID: "g", Currency: "USD", Lines: []domain.CartLine{line(s.phone, 1)}, CouponID: "abc"}, apperr.KindInvalid, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := s.svc.Checkout(ctx, ann, tc.in)
			wantKind(t, err, tc.kind, tc.reason)
		})
	}
	for id, n := range before {
		if s.w.stock[id] != n {
			t.Errorf("stock of %s moved from %d to %d", id, n, s.w.stock[id])
		}
	}
	if list, _, _ := s.svc.ListOrders(ctx, ann, 0, ""); len(list) != 0 {
		t.Errorf("refused checkouts stored %d orders", len(list))
	}
	// Only a buyer checks out.
	_, _, err := s.svc.Checkout(ctx, supplierOf(s.gadgets), app.CheckoutInput{CheckoutID: "g", Currency: "USD", Lines: []domain.CartLine{line(s.phone, 1)}})
	wantKind(t, err, apperr.KindPermissionDenied, "")
}

// Unpaid at the deadline, an order is cancelled by its timer and its stock
// released; paying after it is refused; a wallet that cannot pay is
// refused with nothing taken.
func TestPaymentDeadlineCancelsAndReleases(t *testing.T) {
	s := newSaga(t)
	ann := s.buyer(1_000)
	o := s.checkout(t, ann, line(s.phone, 2), line(s.voucher, 1))
	_, err := s.svc.PayOrder(ctx, ann, o.ID)
	wantKind(t, err, apperr.KindFailedPrecondition, "INSUFFICIENT_FUNDS")
	if s.w.wallets[ann.Subject] != 1_000 {
		t.Fatalf("a refused payment took money: %d", s.w.wallets[ann.Subject])
	}
	s.at = s.at.Add(timeout)
	_, err = s.svc.PayOrder(ctx, ann, o.ID)
	wantKind(t, err, apperr.KindFailedPrecondition, "PAYMENT_DEADLINE_PASSED")
	// The payment was started (and refused): the deadline asks finance,
	// finds nothing paid, and cancels.
	s.run(t)
	got, _ := s.store.GetOrder(ctx, o.ID, false)
	if got.Status != domain.Cancelled || got.CancelReason != "payment_timeout" {
		t.Fatalf("order %s (%s) after the deadline", got.Status, got.CancelReason)
	}
	for _, sub := range got.SubOrders {
		if sub.Status != domain.Cancelled || s.w.reserved[sub.ID].status != "released" && s.w.reserved[sub.ID].status != "expired" {
			t.Errorf("sub-order %s %s, stock %s", sub.ID, sub.Status, s.w.reserved[sub.ID].status)
		}
	}
	if s.w.stock[s.phone.ID] != 10 || s.w.stock[s.voucher.ID] != 10 {
		t.Errorf("stock not back: phone %d voucher %d", s.w.stock[s.phone.ID], s.w.stock[s.voucher.ID])
	}
	changes, _ := s.svc.ListOrderChanges(ctx, ann, o.ID)
	if last := changes[len(changes)-1]; last.To != domain.Cancelled || last.Actor.Kind != domain.ActorSystem {
		t.Errorf("last change %+v", last)
	}
}

// A payment whose answer was lost is found by the deadline: finance has
// the escrow, so the order is paid, not cancelled. A payment that lands
// after the order was cancelled is refunded.
func TestLostPaymentAnswersAreRecoveredAndLatePaymentsRefunded(t *testing.T) {
	s := newSaga(t)
	ann := s.buyer(100_000)
	o := s.checkout(t, ann, line(s.phone, 1))
	s.w.failPay = true
	_, err := s.svc.PayOrder(ctx, ann, o.ID)
	wantKind(t, err, apperr.KindUnavailable, "")
	s.w.failPay = false
	s.at = s.at.Add(timeout + time.Minute)
	if got, _ := s.store.GetOrder(ctx, o.ID, false); got.PaymentStartedAt == nil {
		t.Fatalf("the payment's start was not recorded")
	}
	s.run(t)
	if got, _ := s.store.GetOrder(ctx, o.ID, false); got.Status != domain.Paid {
		t.Fatalf("a payment finance took was not recorded: %s", got.Status)
	}

	late := s.checkout(t, ann, line(s.scarf, 1))
	s.at = s.at.Add(timeout + time.Second)
	s.run(t)
	if got, _ := s.store.GetOrder(ctx, late.ID, false); got.Status != domain.Cancelled {
		t.Fatalf("unpaid order %s at its deadline", got.Status)
	}
	wallet := s.w.wallets[ann.Subject]
	if err := s.w.PayCheckout(ctx, late); err != nil { // finance took it late
		t.Fatal(err)
	}
	if err := s.store.InTx(ctx, func(r app.Repository) error { return s.svc.PaymentCaptured(ctx, r, late.ID) }); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	if s.w.wallets[ann.Subject] != wallet {
		t.Errorf("a late payment for a cancelled order was kept: wallet %d, was %d", s.w.wallets[ann.Subject], wallet)
	}
	if got, _ := s.store.GetOrder(ctx, late.ID, false); got.Status != domain.Cancelled {
		t.Errorf("the late payment revived the order: %s", got.Status)
	}
}

// The buyer cancels a paid order before shipment: stock back, escrow
// refunded; after shipment cancelling is refused and nothing changes.
func TestCancelBeforeShipmentRefundsAfterIsRefused(t *testing.T) {
	s := newSaga(t)
	ann := s.buyer(100_000)
	o := s.checkout(t, ann, line(s.phone, 1), line(s.code, 1))
	if _, err := s.svc.PayOrder(ctx, ann, o.ID); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	if _, err := s.svc.CancelOrder(ctx, supplierOf(s.gadgets), o.ID, ""); apperr.KindOf(err) != apperr.KindNotFound {
		t.Errorf("a supplier cancelled the buyer's order: %v", err)
	}
	got, err := s.svc.CancelOrder(ctx, ann, o.ID, "changed my mind")
	if err != nil || got.Status != domain.Cancelled {
		t.Fatalf("cancel: %s, %v", got.Status, err)
	}
	s.run(t)
	if s.w.wallets[ann.Subject] != 100_000 || s.w.stock[s.phone.ID] != 10 || s.w.stock[s.code.ID] != 10 {
		t.Errorf("after cancelling: wallet %d, phone %d, code %d", s.w.wallets[ann.Subject], s.w.stock[s.phone.ID], s.w.stock[s.code.ID])
	}

	shipped := s.checkout(t, ann, line(s.phone, 1))
	if _, err := s.svc.PayOrder(ctx, ann, shipped.ID); err != nil {
		t.Fatal(err)
	}
	sub := shipped.SubOrders[0]
	if _, err := s.svc.ShipSubOrder(ctx, supplierOf(s.gadgets), sub.ID, uuid.New(), domain.Address{Recipient: "Works", Country: "CN", City: "Shenzhen", Lines: []string{"Dock 4"}}, uuid.Nil); err != nil {
		t.Fatal(err)
	}
	wallet := s.w.wallets[ann.Subject]
	_, err = s.svc.CancelOrder(ctx, ann, shipped.ID, "")
	wantKind(t, err, apperr.KindFailedPrecondition, "ALREADY_SHIPPED")
	if got, _ := s.store.GetOrder(ctx, shipped.ID, false); got.Status != domain.Paid || got.SubOrders[0].Status != domain.Shipped || s.w.wallets[ann.Subject] != wallet {
		t.Errorf("a refused cancel changed the order: %s/%s, wallet %d", got.Status, got.SubOrders[0].Status, s.w.wallets[ann.Subject])
	}
}

// Shipped, delivered, and then completed when the buyer confirms (or after
// the automatic delay): settlement waits for unpaid legs, pays the
// supplier the goods and refunds the buyer the unspent freight; a short
// escrow waits for the buyer's top-up.
func TestFulfilmentSettlesWithActualFreight(t *testing.T) {
	s := newSaga(t)
	ann, o, phone, code, scarf := s.paidPhoneCodeAndScarf(t)
	from := domain.Address{Recipient: "Works", Country: "CN", City: "Shenzhen", Lines: []string{"Dock 4"}}
	works, porto := supplierOf(s.gadgets), supplierOf(s.linen)
	if _, err := s.svc.ShipSubOrder(ctx, porto, phone.ID, uuid.New(), from, uuid.Nil); apperr.KindOf(err) != apperr.KindNotFound {
		t.Fatalf("another supplier shipped the sub-order: %v", err)
	}
	_, err := s.svc.ShipSubOrder(ctx, works, code.ID, uuid.New(), from, uuid.Nil)
	wantKind(t, err, apperr.KindFailedPrecondition, "NOT_PHYSICAL")
	if _, err := s.svc.AcceptSubOrder(ctx, works, phone.ID); err != nil {
		t.Fatal(err)
	}
	for _, id := range []uuid.UUID{phone.ID, scarf.ID} {
		by := works
		if id == scarf.ID {
			by = porto
		}
		got, err := s.svc.ShipSubOrder(ctx, by, id, uuid.New(), from, uuid.Nil)
		if err != nil || got.Status != domain.Shipped || got.Waybill == "" || s.w.parcels[id].platformPays {
			t.Fatalf("ship: %+v, %v; legs from the platform %v, want from the escrow", got, err, s.w.parcels[id].platformPays)
		}
	}
	if _, err := s.svc.DeliverSubOrder(ctx, works, code.ID); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	if s.w.reserved[code.ID].status != "committed" {
		t.Errorf("a delivered virtual sub-order's stock is %s", s.w.reserved[code.ID].status)
	}

	// The carrier charged the phone's parcel 3.00 of its 5.00 freight and
	// the scarf's 7.00, more than its buffer: the scarf's escrow is short.
	s.w.payLeg(phone.ID, 300)
	s.w.payLeg(scarf.ID, 700)
	for _, id := range []uuid.UUID{phone.ID, scarf.ID} {
		s.w.parcels[id].delivered = true
		if err := s.store.InTx(ctx, func(r app.Repository) error {
			return s.svc.ShipmentDelivered(ctx, r, id, app.Shipment{ID: s.w.parcels[id].id})
		}); err != nil {
			t.Fatal(err)
		}
	}
	s.w.parcels[phone.ID].unpaidLegs = 1
	wallet := s.w.wallets[ann.Subject]
	if _, err := s.svc.ConfirmReceipt(ctx, porto, phone.ID); apperr.KindOf(err) != apperr.KindNotFound {
		t.Errorf("a supplier confirmed the buyer's receipt: %v", err)
	}
	if _, err := s.svc.ConfirmReceipt(ctx, ann, phone.ID); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	if got, _ := s.store.GetOrder(ctx, o.ID, false); got.SubOrder(phone.ID).Status != domain.Delivered {
		t.Fatalf("settled with a leg unpaid: %s", got.SubOrder(phone.ID).Status)
	}
	// Paid, but its last-mile charge is still on its way: settled without
	// it, the leg would be refused from a settled escrow.
	s.w.parcels[phone.ID].unpaidLegs, s.w.parcels[phone.ID].freightPending = 0, true
	s.at = s.at.Add(10 * time.Second)
	s.run(t)
	if got, _ := s.store.GetOrder(ctx, o.ID, false); got.SubOrder(phone.ID).Status != domain.Delivered || s.w.parcels[phone.ID].done {
		t.Fatalf("settled with the last-mile charge on its way: %s", got.SubOrder(phone.ID).Status)
	}
	var failing int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM saga_tasks WHERE kind = $1 AND subject = $2 AND failing_since IS NOT NULL`,
		app.TaskSettle, phone.ID).Scan(&failing); err != nil {
		t.Fatal(err)
	}
	if failing != 0 {
		t.Error("the settlement waiting for the last-mile charge counts as a failing step; it waits quietly")
	}
	s.w.parcels[phone.ID].freightPending = false
	s.at = s.at.Add(10 * time.Second)
	s.run(t)
	got, _ := s.store.GetOrder(ctx, o.ID, false)
	if got.SubOrder(phone.ID).Status != domain.Completed || !s.w.parcels[phone.ID].done {
		t.Fatalf("confirmed sub-order %s, parcel completed %v", got.SubOrder(phone.ID).Status, s.w.parcels[phone.ID].done)
	}
	if refund := s.w.wallets[ann.Subject] - wallet; refund != 200 {
		t.Errorf("the buyer got back %d of the unspent freight, want 200", refund)
	}
	// The rest complete after the automatic delay; the scarf's escrow is
	// short by 2.00 and waits for the buyer's top-up.
	s.at = s.at.Add(7 * 24 * time.Hour)
	s.run(t)
	got, _ = s.store.GetOrder(ctx, o.ID, false)
	sc := got.SubOrder(scarf.ID)
	if got.SubOrder(code.ID).Status != domain.Completed || sc.Status != domain.AwaitingTopUp || sc.TopUp != 200 || sc.TopUpRequestID == "" {
		t.Fatalf("after the delay: code %s, scarf %s top-up %d %q", got.SubOrder(code.ID).Status, sc.Status, sc.TopUp, sc.TopUpRequestID)
	}
	if got.Status != domain.Paid {
		t.Errorf("the order finished with a sub-order awaiting its top-up: %s", got.Status)
	}
	// Finance settles once the buyer pays it.
	if err := s.store.InTx(ctx, func(r app.Repository) error { return s.svc.EscrowSettled(ctx, r, scarf.ID) }); err != nil {
		t.Fatal(err)
	}
	got, _ = s.store.GetOrder(ctx, o.ID, false)
	if got.SubOrder(scarf.ID).Status != domain.Completed || got.Status != domain.Completed {
		t.Fatalf("after the top-up: scarf %s, order %s", got.SubOrder(scarf.ID).Status, got.Status)
	}
	changes, err := s.svc.ListOrderChanges(ctx, ann, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[domain.Status]bool{}
	for _, c := range changes {
		seen[c.To] = true
	}
	for _, st := range []domain.Status{domain.PendingPayment, domain.Paid, domain.Accepted, domain.Shipped, domain.Delivered, domain.AwaitingTopUp, domain.Completed} {
		if !seen[st] {
			t.Errorf("the change log has no move to %s", st)
		}
	}
	mine, _ := s.svc.ListOrderChanges(ctx, porto, o.ID)
	for _, c := range mine {
		if c.SubOrderID != scarf.ID {
			t.Errorf("a supplier reads another's change: %+v", c)
		}
	}
	if len(mine) == 0 {
		t.Error("a supplier reads none of its own sub-order's changes")
	}
}

// paidPhoneCodeAndScarf is a buyer's paid order of the phone (the gadgets'
// physical sub-order), the code (their virtual one) and the scarf (linen's
// physical one), its paying steps run.
func (s *saga) paidPhoneCodeAndScarf(t *testing.T) (ann auth.Caller, o domain.Order, phone, code, scarf domain.SubOrder) {
	t.Helper()
	ann = s.buyer(100_000)
	o = s.checkout(t, ann, line(s.phone, 1), line(s.code, 1), line(s.scarf, 1))
	if _, err := s.svc.PayOrder(ctx, ann, o.ID); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	for _, sub := range o.SubOrders {
		switch {
		case sub.SupplierID == s.gadgets && sub.Type == domain.Physical:
			phone = sub
		case sub.Type == domain.Virtual:
			code = sub
		default:
			scarf = sub
		}
	}
	return ann, o, phone, code, scarf
}

// A payment recovered after the order's stock lapsed cannot be fulfilled:
// the sub-order is cancelled and its escrow refunded, nothing is held.
func TestPaidOrderWhoseStockLapsedIsRefunded(t *testing.T) {
	s := newSaga(t)
	ann := s.buyer(100_000)
	o := s.checkout(t, ann, line(s.scarf, 2))
	s.w.failPay = true
	_, _ = s.svc.PayOrder(ctx, ann, o.ID)
	s.w.failPay = false
	s.at = s.at.Add(timeout + 30*time.Minute) // the hold lapsed meanwhile (its grace too)
	s.run(t)
	got, _ := s.store.GetOrder(ctx, o.ID, false)
	if got.Status != domain.Cancelled || got.SubOrders[0].Status != domain.Cancelled {
		t.Fatalf("order %s, sub-order %s", got.Status, got.SubOrders[0].Status)
	}
	if s.w.wallets[ann.Subject] != 100_000 || s.w.stock[s.scarf.ID] != 10 {
		t.Errorf("wallet %d, stock %d", s.w.wallets[ann.Subject], s.w.stock[s.scarf.ID])
	}
}

// With quote reuse on, checkouts of one currency pair within the window
// share a quote locked for the window longer; the next window asks again.
func TestCheckoutsShareAQuoteWithinTheReuseWindow(t *testing.T) {
	s := newSaga(t)
	svc := app.New(s.store, s.w.peers(), app.Config{PaymentTimeout: timeout, PaymentSettle: time.Minute, QuoteReuse: time.Minute})
	svc.SetClock(func() time.Time { return s.at })
	ann := s.buyer(100_000)
	place := func() domain.Order {
		t.Helper()
		o, _, err := svc.Checkout(ctx, ann, app.CheckoutInput{CheckoutID: uuid.NewString(), Lines: []domain.CartLine{line(s.code, 1)}, Currency: "EUR"})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	first := place()
	s.at = s.at.Add(59 * time.Second)
	second := place()
	s.at = s.at.Add(time.Second)
	third := place()
	if first.Quotes["USD"] == "" || second.Quotes["USD"] != first.Quotes["USD"] {
		t.Errorf("quotes %q and %q within the window, want one shared", first.Quotes["USD"], second.Quotes["USD"])
	}
	if third.Quotes["USD"] == first.Quotes["USD"] {
		t.Errorf("the window's end still handed out quote %q", third.Quotes["USD"])
	}
	want := []time.Duration{timeout + 2*time.Minute, timeout + 2*time.Minute}
	if !slices.Equal(s.w.quoteLocks, want) {
		t.Errorf("locks asked %v, want %v (the deadline, its settle time and the window)", s.w.quoteLocks, want)
	}
}

// A paid order's holds are extended for fulfilment together; a step stored
// by the version that held each sub-order on its own still runs.
func TestPaymentHoldsEverySubOrdersStock(t *testing.T) {
	s := newSaga(t)
	ann := s.buyer(100_000)
	o := s.checkout(t, ann, line(s.phone, 1), line(s.scarf, 1), line(s.code, 1))
	checkoutHold := s.w.reserved[o.SubOrders[0].ID].expires
	if _, err := s.svc.PayOrder(ctx, ann, o.ID); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	for _, sub := range o.SubOrders {
		if r := s.w.reserved[sub.ID]; r.status != "active" || !r.expires.After(checkoutHold) {
			t.Errorf("sub-order %s: hold %s until %s, want active past the checkout's %s", sub.ID, r.status, r.expires, checkoutHold)
		}
	}

	// A hold_stock step of one sub-order, as stored before.
	later := s.checkout(t, ann, line(s.voucher, 1))
	s.w.failPay = true
	_, _ = s.svc.PayOrder(ctx, ann, later.ID) // paid, the answer lost: no steps yet
	s.w.failPay = false
	sub := later.SubOrders[0].ID
	before := s.w.reserved[sub].expires
	s.at = s.at.Add(time.Second)
	if err := s.store.InTx(ctx, func(r app.Repository) error {
		return r.Schedule(ctx, app.Task{Kind: app.TaskHoldStock, Subject: sub, OrderID: later.ID, DueAt: s.at})
	}); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	if r := s.w.reserved[sub]; !r.expires.After(before) {
		t.Errorf("the stored hold_stock step left the hold until %s (was %s)", r.expires, before)
	}
}

// The steps of one claimed batch run at once: the holds of several paid
// orders are asked of inventory together (which batches them), not one
// after the other; and every step that ran is gone afterwards.
func TestTheStepsOfABatchRunAtOnce(t *testing.T) {
	s := newSaga(t)
	ann := s.buyer(100_000)
	const orders = 3
	for range orders {
		o := s.checkout(t, ann, line(s.scarf, 1))
		if _, err := s.svc.PayOrder(ctx, ann, o.ID); err != nil {
			t.Fatal(err)
		}
	}
	arrived, release := make(chan struct{}, orders), make(chan struct{})
	s.w.holding = func() {
		arrived <- struct{}{}
		<-release
	}
	together := make(chan bool, 1)
	go func() {
		defer close(release)
		for range orders {
			select {
			case <-arrived:
			case <-time.After(5 * time.Second):
				together <- false
				return
			}
		}
		together <- true
	}()
	s.run(t)
	if !<-together {
		t.Errorf("the %d holds were not asked for at once", orders)
	}
	if left := s.steps(t, app.TaskHoldOrderStock); left != 0 {
		t.Errorf("%d hold steps left after the run, want none", left)
	}
}

// Finishing the steps that ran leaves alone one scheduled again while it
// ran: that schedule is a new step.
func TestFinishingLeavesAStepScheduledAgainMeanwhile(t *testing.T) {
	s := newSaga(t)
	order := uuid.New()
	a := app.Task{Kind: app.TaskRefund, Subject: uuid.New(), OrderID: order, DueAt: s.at}
	b := app.Task{Kind: app.TaskRefund, Subject: uuid.New(), OrderID: order, DueAt: s.at}
	schedule := func(tasks ...app.Task) {
		if err := s.store.InTx(ctx, func(r app.Repository) error { return r.Schedule(ctx, tasks...) }); err != nil {
			t.Fatal(err)
		}
	}
	schedule(a, b)
	claimed, err := s.store.ClaimTasks(ctx, s.at, time.Minute, 10)
	if err != nil || len(claimed) != 2 {
		t.Fatalf("claimed %d (%v), want 2", len(claimed), err)
	}
	b.DueAt = s.at.Add(time.Hour)
	schedule(b) // while it ran
	if err := s.store.FinishTasks(ctx, claimed...); err != nil {
		t.Fatal(err)
	}
	rows, _ := s.pool.Query(ctx, `SELECT subject FROM saga_tasks WHERE order_id = $1`, order)
	subjects, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil || !slices.Equal(subjects, []uuid.UUID{b.Subject}) {
		t.Errorf("steps left %v (%v), want only the one scheduled again (%s)", subjects, err, b.Subject)
	}
}

// A partner channel's order arrives paid, once per (channel, order id), and
// completes on delivery without touching any wallet or escrow.
func TestExternalOrdersArePaidOnceAndSettleByThePartner(t *testing.T) {
	s := newSaga(t)
	to := &domain.Address{Recipient: "Kim", Country: "DE", City: "Berlin", Lines: []string{"Allee 1"}}
	in := app.ExternalOrderInput{Channel: "partner:dh", ExternalOrderID: "DH-1001", BuyerRef: "kim", Lines: []domain.CartLine{line(s.phone, 1)}, Address: to}
	o, replayed, err := s.svc.PlaceExternalOrder(ctx, docking, in)
	if err != nil || replayed || o.Status != domain.Paid || o.SubOrders[0].Status != domain.Paid {
		t.Fatalf("external order %+v, %v, %v", o, replayed, err)
	}
	again, replayed, err := s.svc.PlaceExternalOrder(ctx, docking, in)
	if err != nil || !replayed || again.ID != o.ID || s.w.stock[s.phone.ID] != 9 {
		t.Fatalf("the same partner order twice: %v %v %v, stock %d", again.ID, replayed, err, s.w.stock[s.phone.ID])
	}
	_, _, err = s.svc.PlaceExternalOrder(ctx, buyer(), in)
	wantKind(t, err, apperr.KindPermissionDenied, "SERVICES_ONLY")
	sub := o.SubOrders[0]
	if _, err := s.svc.ShipSubOrder(ctx, supplierOf(s.gadgets), sub.ID, uuid.New(), domain.Address{Recipient: "Works", Country: "CN", City: "Shenzhen", Lines: []string{"Dock 4"}}, uuid.Nil); err != nil {
		t.Fatal(err)
	}
	if !s.w.parcels[sub.ID].platformPays {
		t.Error("a partner order's parcel was booked with its legs on an escrow it does not have")
	}
	s.w.parcels[sub.ID].delivered = true
	if err := s.store.InTx(ctx, func(r app.Repository) error { return s.svc.ShipmentDelivered(ctx, r, sub.ID, app.Shipment{}) }); err != nil {
		t.Fatal(err)
	}
	s.at = s.at.Add(8 * 24 * time.Hour)
	s.run(t)
	got, _ := s.store.GetOrder(ctx, o.ID, false)
	if got.Status != domain.Completed || len(s.w.escrows) != 0 {
		t.Errorf("external order %s, escrows %d", got.Status, len(s.w.escrows))
	}
}

// A payment orders learns from finance's event (the buyer's call lost its
// answer, finance died before writing its escrow records) is replayed with
// finance, which finishes the records; one that lands on a cancelled order
// is replayed and then refunded.
func TestPaymentsLearntFromEventsAreConfirmedWithFinance(t *testing.T) {
	s := newSaga(t)
	ann := s.buyer(100_000)
	o := s.checkout(t, ann, line(s.code, 2))
	s.w.dropRecords = true
	_, err := s.svc.PayOrder(ctx, ann, o.ID)
	wantKind(t, err, apperr.KindUnavailable, "")
	s.w.dropRecords = false
	if err := s.store.InTx(ctx, func(r app.Repository) error { return s.svc.PaymentCaptured(ctx, r, o.ID) }); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	// The payer's call started it a moment ago and might still record
	// finance's answer: the event leaves the order to it for a few seconds.
	if got, _ := s.store.GetOrder(ctx, o.ID, false); got.Status != domain.PendingPayment || s.w.escrows[o.SubOrders[0].ID] != nil {
		t.Fatalf("order %s, escrow %v: want pending, the payer's call given its time", got.Status, s.w.escrows[o.SubOrders[0].ID])
	}
	s.at = s.at.Add(5 * time.Second)
	s.run(t)
	got, _ := s.store.GetOrder(ctx, o.ID, false)
	if got.Status != domain.Paid || s.w.escrows[o.SubOrders[0].ID] == nil {
		t.Fatalf("order %s, escrow %v", got.Status, s.w.escrows[o.SubOrders[0].ID])
	}
	if calls := s.w.payCalls[o.ID]; calls != 2 {
		t.Errorf("finance was asked %d times, want twice (the lost call, its replay)", calls)
	}

	late := s.checkout(t, ann, line(s.voucher, 1))
	s.at = s.at.Add(timeout + time.Second)
	s.run(t)
	wallet := s.w.wallets[ann.Subject]
	s.w.dropRecords = true
	_ = s.w.PayCheckout(ctx, late) // finance took it late and stopped
	s.w.dropRecords = false
	if err := s.store.InTx(ctx, func(r app.Repository) error { return s.svc.PaymentCaptured(ctx, r, late.ID) }); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	if s.w.wallets[ann.Subject] != wallet {
		t.Errorf("a late payment whose records finance lost was kept: wallet %d, was %d", s.w.wallets[ann.Subject], wallet)
	}
}

// A payment's event usually reaches orders just before finance's answer to
// the payer's call. The event takes no lock on the order (the call records
// the payment while the event's transaction is still open), the answer
// records it, and the step the event left behind finds it recorded without
// asking finance again. An event for a payment whose payer started it
// longer ago than the settle time records it at once.
func TestAnEventBeforeTheAnswerLeavesThePaymentToTheCall(t *testing.T) {
	s := newSaga(t)
	ann := s.buyer(100_000)
	o := s.checkout(t, ann, line(s.phone, 1))
	applied, release, committed := make(chan error, 1), make(chan struct{}), make(chan error, 1)
	s.w.beforeAnswer = func(o domain.Order) {
		go func() {
			committed <- s.store.InTx(ctx, func(r app.Repository) error {
				err := s.svc.PaymentCaptured(ctx, r, o.ID)
				applied <- err
				<-release // the inbox batch still open
				return err
			})
		}()
		if err := <-applied; err != nil {
			t.Error(err)
		}
	}
	callCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	paid, err := s.svc.PayOrder(callCtx, ann, o.ID)
	cancel()
	close(release)
	if err := <-committed; err != nil {
		t.Fatal(err)
	}
	if err != nil || paid.Status != domain.Paid {
		t.Fatalf("PayOrder = %s, %v; want paid without waiting for the event's transaction", paid.Status, err)
	}
	s.at = s.at.Add(time.Minute)
	s.run(t)
	if got := s.w.payCalls[o.ID]; got != 1 {
		t.Errorf("finance was asked %d times for the payment, want once", got)
	}
	if got, _ := s.store.GetOrder(ctx, o.ID, false); got.Status != domain.Paid {
		t.Errorf("order %s, want paid", got.Status)
	}

	// The payer's call lost its answer more than the settle time ago: the
	// event records the payment itself, then has it confirmed.
	late := s.checkout(t, ann, line(s.scarf, 1))
	s.w.failPay = true
	_, err = s.svc.PayOrder(ctx, ann, late.ID)
	wantKind(t, err, apperr.KindUnavailable, "")
	s.w.failPay = false
	s.at = s.at.Add(time.Minute + time.Second)
	if err := s.store.InTx(ctx, func(r app.Repository) error { return s.svc.PaymentCaptured(ctx, r, late.ID) }); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.store.GetOrder(ctx, late.ID, false); got.Status != domain.Paid {
		t.Errorf("order %s after its event, the payer's call long gone: want paid", got.Status)
	}
}

// A checkout that failed because a service was down keeps its holds, so
// its retry with the same checkout id finds them and places the order; one
// refused for good gives its stock back, and its retry is told to start a
// new checkout rather than placing an order on stock it no longer holds.
func TestCheckoutRetriesKeepOrGiveBackTheirHolds(t *testing.T) {
	s := newSaga(t)
	ann := s.buyer(100_000)
	in := app.CheckoutInput{CheckoutID: "retry-1", Currency: "USD", Lines: []domain.CartLine{line(s.code, 1), line(s.phone, 2)}}
	s.w.estimatorDown = true
	_, _, err := s.svc.Checkout(ctx, ann, in)
	wantKind(t, err, apperr.KindUnavailable, "")
	if s.w.stock[s.phone.ID] != 8 || s.w.stock[s.code.ID] != 9 {
		t.Fatalf("a transient failure gave the stock back: phone %d, code %d", s.w.stock[s.phone.ID], s.w.stock[s.code.ID])
	}
	s.w.estimatorDown = false
	o, replayed, err := s.svc.Checkout(ctx, ann, in)
	if err != nil || replayed || s.w.stock[s.phone.ID] != 8 {
		t.Fatalf("retry: %v, %v, stock %d", o.ID, err, s.w.stock[s.phone.ID])
	}
	if _, err := s.svc.PayOrder(ctx, ann, o.ID); err != nil {
		t.Fatal(err)
	}
	s.run(t)
	if got, _ := s.store.GetOrder(ctx, o.ID, false); got.Status != domain.Paid {
		t.Fatalf("the retried checkout's order is %s after payment", got.Status)
	}

	// The physical sub-order is held first, the virtual one is short:
	// refused for good.
	refused := app.CheckoutInput{CheckoutID: "retry-2", Currency: "USD", Lines: []domain.CartLine{line(s.scarf, 1), line(s.voucher, 11)}}
	_, _, err = s.svc.Checkout(ctx, ann, refused)
	wantKind(t, err, apperr.KindFailedPrecondition, "INSUFFICIENT_STOCK")
	if s.w.stock[s.scarf.ID] != 10 {
		t.Fatalf("a refused checkout kept its stock: scarf %d", s.w.stock[s.scarf.ID])
	}
	s.w.stock[s.voucher.ID] = 20
	_, _, err = s.svc.Checkout(ctx, ann, refused)
	wantKind(t, err, apperr.KindFailedPrecondition, "CHECKOUT_RELEASED")
}

// A step that fails is counted among the failing steps from its first
// failure until it succeeds (for the operators' alert); one that only waits
// (a deadline waiting for a payment to settle) is not failing.
func TestFailingStepsAreCountedFromTheirFirstFailure(t *testing.T) {
	s := newSaga(t)
	ann := s.buyer(100_000)
	o := s.checkout(t, ann, line(s.phone, 1))
	if _, err := s.svc.PayOrder(ctx, ann, o.ID); err != nil {
		t.Fatal(err)
	}
	s.w.inventoryDown = true
	s.run(t)
	hold := string(app.TaskHoldOrderStock)
	if first := testkit.FailingSteps(t, s.store.FailingSteps); len(first) != 1 || first[hold].Count != 1 {
		t.Fatalf("failing steps = %+v, want the stock hold", first)
	}
	time.Sleep(200 * time.Millisecond)
	s.at = s.at.Add(time.Minute)
	s.run(t) // fails again
	if again := testkit.FailingSteps(t, s.store.FailingSteps); len(again) != 1 || again[hold].Longest < 200*time.Millisecond {
		t.Fatalf("failing steps = %+v: counted from the latest failure, not the first", again)
	}
	s.w.inventoryDown = false
	s.at = s.at.Add(time.Minute)
	s.run(t)
	if f := testkit.FailingSteps(t, s.store.FailingSteps); len(f) != 0 {
		t.Fatalf("failing steps after the hold succeeded = %+v", f)
	}

	// A payment started a second before the deadline: the deadline waits
	// for it to settle, which is not a failure.
	late := s.checkout(t, ann, line(s.scarf, 1))
	s.at = late.PaymentDueAt.Add(-time.Second)
	s.w.failPay = true
	_, err := s.svc.PayOrder(ctx, ann, late.ID)
	wantKind(t, err, apperr.KindUnavailable, "")
	s.w.failPay = false
	s.at = s.at.Add(2 * time.Second)
	s.run(t)
	if f := testkit.FailingSteps(t, s.store.FailingSteps); len(f) != 0 {
		t.Fatalf("failing steps while the deadline waits = %+v", f)
	}
}
