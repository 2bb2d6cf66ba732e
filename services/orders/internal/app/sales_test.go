package app_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	ordersv1 "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/inbox"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/orders/internal/adapters/events"
	"github.com/crossdock/crossdock/services/orders/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
	"github.com/crossdock/crossdock/services/orders/migrations"
)

// salesBook is the sales figures on a real database, fed the service's own
// protobuf events through the handler its consumer runs, in a transaction
// as the inbox opens one.
type salesBook struct {
	pool    *pgxpool.Pool
	sales   *app.Sales
	handler inbox.Handler
	skus    catalogue
	supply  *supplyDouble
}

func newSalesBook(t *testing.T) *salesBook {
	t.Helper()
	pool := testkit.Database(t, testkit.Migrations{Name: "orders", FS: migrations.FS})
	store := postgres.NewSales(pool)
	b := &salesBook{pool: pool, skus: catalogue{}, supply: &supplyDouble{}}
	b.sales = app.NewSales(store, b.skus, b.supply)
	b.handler = events.SalesConsumer{Sales: b.sales, Repo: store.WithTx}.Consumer().Handler
	return b
}

// apply feeds one event as the inbox delivers it.
func (b *salesBook) apply(t *testing.T, subject string, ev proto.Message) {
	t.Helper()
	payload, err := proto.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	msg := inbox.Message{EventID: uuid.New(), Subject: subject, Payload: payload, Delivery: 1}
	if err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error { return b.handler(ctx, tx, msg) }); err != nil {
		t.Fatalf("applying %s: %v", subject, err)
	}
}

// fact is an event on its subject.
type fact struct {
	subject string
	event   proto.Message
}

func pb(m money.Money) *commonv1.Money {
	return &commonv1.Money{CurrencyCode: m.Currency, AmountMinor: m.Amount}
}

// goods is a SKU of a product of a supplier.
type goods struct{ sku, product, supplier uuid.UUID }

func newGoods(supplier uuid.UUID) goods { return goods{uuid.New(), uuid.New(), supplier} }

func (g goods) line(n int32, price money.Money) *ordersv1.SubOrderLine {
	return &ordersv1.SubOrderLine{SkuId: g.sku.String(), ProductId: g.product.String(), Quantity: n, UnitPrice: pb(price)}
}

func paidSub(id, supplier uuid.UUID, lines ...*ordersv1.SubOrderLine) *ordersv1.PaidSubOrder {
	return &ordersv1.PaidSubOrder{SubOrderId: id.String(), SupplierId: supplier.String(), Type: "physical", Lines: lines}
}

func orderPaid(channel string, at time.Time, subs ...*ordersv1.PaidSubOrder) fact {
	return fact{app.SubjectOrderPaid, &ordersv1.OrderPaid{OrderId: uuid.NewString(), BuyerId: uuid.NewString(), Channel: channel,
		OccurredAt: timestamppb.New(at), SubOrders: subs}}
}

func subCancelled(id, supplier uuid.UUID, channel string, at time.Time) fact {
	return fact{app.SubjectSubOrderCancelled, &ordersv1.SubOrderCancelled{SubOrderId: id.String(), OrderId: uuid.NewString(),
		SupplierId: supplier.String(), Channel: channel, Reason: "buyer_request", OccurredAt: timestamppb.New(at)}}
}

func returnRefunded(returnID string, sub uuid.UUID, g goods, channel string, n int32, amount money.Money, at time.Time) fact {
	return fact{app.SubjectReturnRefunded, &ordersv1.ReturnRefunded{ReturnId: returnID, SubOrderId: sub.String(), OrderId: uuid.NewString(),
		SupplierId: g.supplier.String(), Channel: channel, Amount: pb(amount), OccurredAt: timestamppb.New(at),
		Lines: []*ordersv1.ReturnedLine{{SkuId: g.sku.String(), ProductId: g.product.String(), Quantity: n, Amount: pb(amount)}}}}
}

func admin() auth.Caller {
	return auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: []string{auth.RoleAdmin}}
}

// row is what a test expects of a SKU's row.
type row struct {
	day                 string
	sku                 uuid.UUID
	channel, currency   string
	sold, refunded      int64
	gross, refunds, net int64
}

// String shows a row in a failure's message.
func (r row) String() string {
	return fmt.Sprintf("{%s %s %s %s sold %d refunded %d gross %d refunds %d net %d}",
		r.day, r.sku, r.channel, r.currency, r.sold, r.refunded, r.gross, r.refunds, r.net)
}

func rowOf(r domain.SalesRow) row {
	return row{r.Day.Format(app.DayLayout), r.SKUID, r.Channel, r.Currency, r.UnitsSold, r.UnitsRefunded, r.GrossMinor, r.RefundsMinor, r.NetMinor()}
}

// bySKU lists every row an admin sees, grouped by SKU.
func (b *salesBook) bySKU(t *testing.T) []row {
	t.Helper()
	rows, next, err := b.sales.ListSales(ctx, admin(), app.SalesQuery{BySKU: true}, 100, "")
	if err != nil || next != "" {
		t.Fatalf("ListSales: %v (next %q)", err, next)
	}
	out := make([]row, len(rows))
	for i, r := range rows {
		out[i] = rowOf(r)
	}
	return out
}

// The figures follow the order events as they come: paid sub-orders add
// units and gross on their UTC day; a paid sub-order cancelled refunds
// what it holds on the day of the cancellation, an unpaid one nothing; a
// return refunds its part; an event applied twice counts once; currencies
// never mix.
func TestSalesFollowOrderEvents(t *testing.T) {
	gadgets, linen := uuid.New(), uuid.New()
	phone, scarf := newGoods(gadgets), newGoods(linen)
	usd := func(n int64) money.Money { return money.MustNew(n, "USD") }
	monday := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	tuesday := monday.AddDate(0, 0, 1)
	d := func(t time.Time) string { return t.Format(app.DayLayout) }
	s1, s2 := uuid.New(), uuid.New()

	tests := []struct {
		name  string
		facts []fact
		want  []row
	}{
		{
			name:  "paid: units and gross per SKU, channel and currency",
			facts: []fact{orderPaid("own_store", monday, paidSub(s1, gadgets, phone.line(2, usd(10000))), paidSub(s2, linen, scarf.line(3, usd(1500))))},
			want: []row{
				{d(monday), phone.sku, "own_store", "USD", 2, 0, 20000, 0, 20000},
				{d(monday), scarf.sku, "own_store", "USD", 3, 0, 4500, 0, 4500},
			},
		},
		{
			name: "a paid sub-order cancelled the next day is refunded that day",
			facts: []fact{
				orderPaid("merchant", monday, paidSub(s1, gadgets, phone.line(2, usd(10000)))),
				subCancelled(s1, gadgets, "merchant", tuesday),
			},
			want: []row{
				{d(monday), phone.sku, "merchant", "USD", 2, 0, 20000, 0, 20000},
				{d(tuesday), phone.sku, "merchant", "USD", 0, 2, 0, 20000, -20000},
			},
		},
		{
			name:  "an unpaid sub-order cancelled counts nothing",
			facts: []fact{subCancelled(s1, gadgets, "own_store", monday)},
		},
		{
			name: "a partial return refunds its units and amount",
			facts: []fact{
				orderPaid("own_store", monday, paidSub(s1, gadgets, phone.line(3, usd(10000)))),
				returnRefunded("r1", s1, phone, "own_store", 1, usd(9000), tuesday),
			},
			want: []row{
				{d(monday), phone.sku, "own_store", "USD", 3, 0, 30000, 0, 30000},
				{d(tuesday), phone.sku, "own_store", "USD", 0, 1, 0, 9000, -9000},
			},
		},
		{
			name: "every event applied twice counts once",
			facts: func() []fact {
				paid := orderPaid("own_store", monday, paidSub(s1, gadgets, phone.line(3, usd(10000))))
				ret := returnRefunded("r1", s1, phone, "own_store", 1, usd(9000), monday)
				cancel := subCancelled(s1, gadgets, "own_store", tuesday)
				return []fact{paid, paid, ret, ret, cancel, cancel}
			}(),
			want: []row{
				// The cancellation refunds what the return left.
				{d(monday), phone.sku, "own_store", "USD", 3, 1, 30000, 9000, 21000},
				{d(tuesday), phone.sku, "own_store", "USD", 0, 2, 0, 21000, -21000},
			},
		},
		{
			name:  "one event's entries of one row add up (one statement may not write a row twice)",
			facts: []fact{orderPaid("own_store", monday, paidSub(s1, gadgets, phone.line(1, usd(100))), paidSub(s2, gadgets, phone.line(2, usd(100))))},
			want:  []row{{d(monday), phone.sku, "own_store", "USD", 3, 0, 300, 0, 300}},
		},
		{
			name: "currencies are separate rows",
			facts: []fact{
				orderPaid("partner-7", monday, paidSub(s1, gadgets, phone.line(1, usd(10000)))),
				orderPaid("partner-7", monday, paidSub(s2, gadgets, phone.line(2, money.MustNew(1200, "JPY")))),
			},
			want: []row{
				{d(monday), phone.sku, "partner-7", "JPY", 2, 0, 2400, 0, 2400},
				{d(monday), phone.sku, "partner-7", "USD", 1, 0, 10000, 0, 10000},
			},
		},
		{
			name: "days split at UTC midnight, whatever the event's zone",
			facts: []fact{
				orderPaid("own_store", time.Date(2026, 3, 2, 23, 59, 0, 0, time.UTC), paidSub(s1, gadgets, phone.line(1, usd(100)))),
				// 07:30 in Shanghai on the 3rd is still the 2nd in UTC.
				orderPaid("own_store", time.Date(2026, 3, 3, 7, 30, 0, 0, time.FixedZone("CST", 8*3600)), paidSub(s2, gadgets, phone.line(1, usd(100)))),
				orderPaid("own_store", time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC), paidSub(uuid.New(), gadgets, phone.line(5, usd(100)))),
			},
			want: []row{
				{"2026-03-02", phone.sku, "own_store", "USD", 2, 0, 200, 0, 200},
				{"2026-03-03", phone.sku, "own_store", "USD", 5, 0, 500, 0, 500},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newSalesBook(t)
			for _, f := range tt.facts {
				b.apply(t, f.subject, f.event)
			}
			got, want := b.bySKU(t), slices.Clone(tt.want)
			sortRows(got)
			sortRows(want)
			if !slices.Equal(got, want) {
				t.Errorf("rows\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

// The figures do not depend on the order the events come in: a sub-order's
// cancellation applied before its payment (the payment's event retried, or
// published after it) counts the sale on the day it was paid and the refund
// on the day it was cancelled, as in order. Before, the payment then
// counted nothing and the cancellation nothing either: gross and refunds
// were short of both.
func TestACancellationBeforeItsPaymentCountsAsInOrder(t *testing.T) {
	supplier := uuid.New()
	g := newGoods(supplier)
	sub, other := uuid.New(), uuid.New()
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	eur := money.MustNew(2500, "EUR")
	paid := orderPaid("own_store", at, paidSub(sub, supplier, g.line(2, eur)))
	cancelled := subCancelled(sub, supplier, "own_store", at.Add(24*time.Hour))
	otherPaid := orderPaid("own_store", at, paidSub(other, supplier, g.line(1, eur)))
	again := subCancelled(sub, supplier, "own_store", at.Add(48*time.Hour))
	figures := func(facts ...fact) []row {
		b := newSalesBook(t)
		for _, f := range facts {
			b.apply(t, f.subject, f.event)
		}
		rows := b.bySKU(t)
		sortRows(rows)
		return rows
	}
	inOrder := figures(paid, otherPaid, cancelled, again)
	if len(inOrder) != 2 || inOrder[0].sold != 3 || inOrder[0].gross != 7500 || inOrder[1].refunded != 2 || inOrder[1].refunds != 5000 {
		t.Fatalf("in order: %v, want 3 sold for 75.00 on the day paid, 2 refunded for 50.00 the next", inOrder)
	}
	if got := figures(cancelled, paid, otherPaid, again, paid); !slices.Equal(got, inOrder) {
		t.Errorf("the cancellation first: %v, want as in order %v", got, inOrder)
	}
	// An event naming the sub-order twice counts it once.
	twice := orderPaid("own_store", at, paidSub(sub, supplier, g.line(2, eur)), paidSub(sub, supplier, g.line(2, eur)))
	if got := figures(cancelled, twice, otherPaid); !slices.Equal(got, inOrder) {
		t.Errorf("the payment naming the sub-order twice: %v, want %v", got, inOrder)
	}
}

func sortRows(rs []row) {
	slices.SortFunc(rs, func(a, b row) int {
		return strings.Compare(a.day+a.sku.String()+a.channel+a.currency, b.day+b.sku.String()+b.channel+b.currency)
	})
}

// A fact that can never be counted is refused (the consumer's adapter marks
// the refusal permanent, so the inbox dead-letters it) and counts nothing.
func TestSalesRefuseBadFactsForGood(t *testing.T) {
	b := newSalesBook(t)
	g := newGoods(uuid.New())
	for name, ev := range map[string]fact{
		"no channel":       orderPaid("", time.Now(), paidSub(uuid.New(), g.supplier, g.line(1, money.MustNew(100, "USD")))),
		"unknown currency": orderPaid("own_store", time.Now(), paidSub(uuid.New(), g.supplier, g.line(1, money.Money{Amount: 100, Currency: "XYZ"}))),
		"no lines":         orderPaid("own_store", time.Now(), paidSub(uuid.New(), g.supplier)),
		"no return id":     returnRefunded("", uuid.New(), g, "own_store", 1, money.MustNew(100, "USD"), time.Now()),
	} {
		t.Run(name, func(t *testing.T) {
			payload, _ := proto.Marshal(ev.event)
			err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
				return b.handler(ctx, tx, inbox.Message{EventID: uuid.New(), Subject: ev.subject, Payload: payload})
			})
			if !errors.Is(err, domain.ErrBadSale) {
				t.Errorf("error %v, want the domain's refusal", err)
			}
		})
	}
	if rows := b.bySKU(t); len(rows) != 0 {
		t.Errorf("rows %v, want none", rows)
	}
}

// A supplier reads its own figures and nothing else; an operator reads any
// supplier's or all; anyone else is refused. Grouped by product, a
// product's SKUs add up; pages walk the same rows as one list.
func TestSalesReaders(t *testing.T) {
	b := newSalesBook(t)
	a, bb := uuid.New(), uuid.New()
	phoneBlack, scarf := newGoods(a), newGoods(bb)
	phoneWhite := goods{sku: uuid.New(), product: phoneBlack.product, supplier: a}
	monday := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	usd := func(n int64) money.Money { return money.MustNew(n, "USD") }
	for i := range 3 {
		at := monday.AddDate(0, 0, i)
		b.apply(t, app.SubjectOrderPaid, orderPaid("own_store", at,
			paidSub(uuid.New(), a, phoneBlack.line(1, usd(10000)), phoneWhite.line(2, usd(11000))),
			paidSub(uuid.New(), bb, scarf.line(4, usd(1500)))).event)
	}
	sellerA, sellerB := supplierOf(a), supplierOf(bb)

	rows, _, err := b.sales.ListSales(ctx, sellerA, app.SalesQuery{}, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("supplier A sees %d rows, want 3 (one product, three days)", len(rows))
	}
	for _, r := range rows {
		if r.SupplierID != a || r.ProductID != phoneBlack.product || r.SKUID != uuid.Nil || r.UnitsSold != 3 || r.GrossMinor != 32000 {
			t.Errorf("supplier A's row %+v, want its product's two SKUs added up: 3 units, 320.00", r)
		}
	}
	rows, _, err = b.sales.ListSales(ctx, sellerB, app.SalesQuery{BySKU: true, From: monday.AddDate(0, 0, 1), To: monday.AddDate(0, 0, 1)}, 0, "")
	if err != nil || len(rows) != 1 || rows[0].SKUID != scarf.sku || rows[0].Day.Format(app.DayLayout) != "2026-03-03" {
		t.Errorf("supplier B's one day: %+v, %v", rows, err)
	}

	_, _, err = b.sales.ListSales(ctx, sellerA, app.SalesQuery{SupplierID: bb}, 0, "")
	wantKind(t, err, apperr.KindPermissionDenied, "OWN_SALES_ONLY")
	_, _, err = b.sales.ListSales(ctx, buyer(), app.SalesQuery{}, 0, "")
	wantKind(t, err, apperr.KindPermissionDenied, "SUPPLIERS_ONLY")
	_, _, err = b.sales.ExportSales(ctx, buyer(), app.SalesQuery{})
	wantKind(t, err, apperr.KindPermissionDenied, "SUPPLIERS_ONLY")
	_, _, err = b.sales.ListSales(ctx, sellerA, app.SalesQuery{From: monday, To: monday.AddDate(0, 0, -1)}, 0, "")
	wantKind(t, err, apperr.KindInvalid, "")

	rows, _, err = b.sales.ListSales(ctx, admin(), app.SalesQuery{SupplierID: bb}, 0, "")
	if err != nil || len(rows) != 3 || rows[0].SupplierID != bb {
		t.Errorf("an operator reading supplier B: %d rows, %v", len(rows), err)
	}
	all, _, err := b.sales.ListSales(ctx, admin(), app.SalesQuery{BySKU: true}, 0, "")
	if err != nil || len(all) != 9 {
		t.Fatalf("an operator reading everything by SKU: %d rows, %v; want 9", len(all), err)
	}

	var paged []domain.SalesRow
	token := ""
	for {
		page, next, err := b.sales.ListSales(ctx, admin(), app.SalesQuery{BySKU: true}, 2, token)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, page...)
		if next == "" {
			break
		}
		token = next
		if _, _, err := b.sales.ListSales(ctx, admin(), app.SalesQuery{}, 2, token); apperr.KindOf(err) != apperr.KindInvalid {
			t.Errorf("a by-SKU token used by product: %v, want invalid", err)
		}
		if _, _, err := b.sales.ListSales(ctx, admin(), app.SalesQuery{BySKU: true, Channel: "partner"}, 2, token); apperr.KindOf(err) != apperr.KindInvalid {
			t.Errorf("a token of every channel's list used for one channel's: %v, want invalid", err)
		}
	}
	if !slices.Equal(paged, all) {
		t.Errorf("pages of 2 gave %d rows differing from the whole list of %d", len(paged), len(all))
	}
}

// The export is the list as CSV: the header, then the same rows with the
// same figures, amounts in major units (by the currency's exponent) and in
// minor units.
func TestSalesExportMatchesTheList(t *testing.T) {
	b := newSalesBook(t)
	seller := uuid.New()
	phone, case_ := newGoods(seller), newGoods(seller)
	monday := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	sub := uuid.New()
	b.apply(t, app.SubjectOrderPaid, orderPaid("own_store", monday, paidSub(sub, seller, phone.line(2, money.MustNew(1999, "USD")))).event)
	b.apply(t, app.SubjectOrderPaid, orderPaid("partner-7", monday, paidSub(uuid.New(), seller, case_.line(3, money.MustNew(1200, "JPY")))).event)
	b.apply(t, app.SubjectReturnRefunded, returnRefunded("r1", sub, phone, "own_store", 1, money.MustNew(1999, "USD"), monday.AddDate(0, 0, 1)).event)

	q := app.SalesQuery{BySKU: true}
	list, _, err := b.sales.ListSales(ctx, supplierOf(seller), q, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	out, n, err := b.sales.ExportSales(ctx, supplierOf(seller), q)
	if err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 || len(list) != 3 || len(records) != n+1 {
		t.Fatalf("%d CSV records for %d rows, the list has %d; want a header and 3", len(records), n, len(list))
	}
	if !slices.Equal(records[0], app.SalesCSVHeader) {
		t.Errorf("header %v", records[0])
	}
	col := map[string]int{}
	for i, h := range records[0] {
		col[h] = i
	}
	for i, r := range list {
		rec := records[i+1]
		want := map[string]string{
			"day": r.Day.Format(app.DayLayout), "sku_id": r.SKUID.String(), "product_id": r.ProductID.String(), "channel": r.Channel,
			"currency": r.Currency, "units_sold": strconv.FormatInt(r.UnitsSold, 10), "units_refunded": strconv.FormatInt(r.UnitsRefunded, 10),
			"gross_minor": strconv.FormatInt(r.GrossMinor, 10), "refunds_minor": strconv.FormatInt(r.RefundsMinor, 10),
			"net_minor": strconv.FormatInt(r.NetMinor(), 10), "gross": r.Gross().Decimal(), "net": r.Net().Decimal(),
		}
		for h, v := range want {
			if rec[col[h]] != v {
				t.Errorf("row %d %s = %q, the list says %q", i, h, rec[col[h]], v)
			}
		}
	}
	// The figures as a person reads them.
	wantLines := map[string]bool{
		"2026-03-02 USD 2 0 39.98 0.00 39.98":  false,
		"2026-03-02 JPY 3 0 3600 0 3600":       false,
		"2026-03-03 USD 0 1 0.00 19.99 -19.99": false,
	}
	for _, rec := range records[1:] {
		key := rec[col["day"]] + " " + rec[col["currency"]] + " " + rec[col["units_sold"]] + " " + rec[col["units_refunded"]] + " " +
			rec[col["gross"]] + " " + rec[col["refunds"]] + " " + rec[col["net"]]
		if _, ok := wantLines[key]; !ok {
			t.Errorf("unexpected CSV row %q", key)
		}
		wantLines[key] = true
	}
	for k, seen := range wantLines {
		if !seen {
			t.Errorf("no CSV row %q", k)
		}
	}
}

// supplyDouble plays inventory's purchase orders and stock for one SKU
// (the catalogue plays its SKUs): inventory's own tests prove it, the
// end-to-end tests the real call.
type supplyDouble struct {
	pos   []app.PurchaseOrder
	stock []app.StockLevel
	// asked records the supplier, SKU and day purchase orders were asked for.
	asked []string
}

func (s *supplyDouble) PurchaseOrders(_ context.Context, supplier, sku uuid.UUID, since time.Time) ([]app.PurchaseOrder, bool, error) {
	s.asked = append(s.asked, supplier.String()+" "+sku.String()+" "+since.Format(app.DayLayout))
	var out []app.PurchaseOrder
	for _, po := range s.pos {
		if !po.CreatedAt.Before(since) {
			out = append(out, po)
		}
	}
	return out, false, nil
}

func (s *supplyDouble) Stock(context.Context, uuid.UUID) ([]app.StockLevel, error) {
	return s.stock, nil
}

// The purchase–sales–inventory view puts a SKU's purchase orders in the
// range, its sales in the range (no other SKU's) and its stock now side by
// side, adds them up, and is shown to the SKU's supplier and operators
// only.
func TestPurchaseSalesInventory(t *testing.T) {
	b := newSalesBook(t)
	seller, other := uuid.New(), uuid.New()
	phone, charger := newGoods(seller), newGoods(seller)
	b.skus[phone.sku] = domain.SKU{ID: phone.sku, ProductID: phone.product, SupplierID: seller}
	usd := func(n int64) money.Money { return money.MustNew(n, "USD") }
	day := func(d int) time.Time { return time.Date(2026, 3, d, 9, 0, 0, 0, time.UTC) }
	sub := uuid.New()
	b.apply(t, app.SubjectOrderPaid, orderPaid("own_store", day(1), paidSub(uuid.New(), seller, phone.line(9, usd(100)))).event) // before the range
	b.apply(t, app.SubjectOrderPaid, orderPaid("own_store", day(3), paidSub(sub, seller, phone.line(4, usd(100)), charger.line(7, usd(10)))).event)
	b.apply(t, app.SubjectOrderPaid, orderPaid("merchant", day(4), paidSub(uuid.New(), seller, phone.line(2, usd(90)))).event)
	b.apply(t, app.SubjectReturnRefunded, returnRefunded("r1", sub, phone, "own_store", 1, usd(100), day(5)).event)
	w1, w2 := uuid.New(), uuid.New()
	b.supply.pos = []app.PurchaseOrder{
		{ID: uuid.New(), WarehouseID: w1, Status: app.POPartiallyReceived, CreatedAt: day(6), Ordered: 100, Received: 40},
		{ID: uuid.New(), WarehouseID: w2, Status: app.POCancelled, CreatedAt: day(3), Ordered: 50, Received: 10},
		{ID: uuid.New(), WarehouseID: w1, Status: app.POOpen, CreatedAt: day(20), Ordered: 30}, // after the range
		{ID: uuid.New(), WarehouseID: w1, Status: app.POReceived, CreatedAt: day(1), Ordered: 20, Received: 20},
	}
	b.supply.stock = []app.StockLevel{{WarehouseID: w1, OnHand: 60, Reserved: 5, Available: 55}, {WarehouseID: w2, OnHand: 10, Available: 10}}
	from, to := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)

	v, err := b.sales.PurchaseSalesInventory(ctx, supplierOf(seller), phone.sku, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if v.SKU.SupplierID != seller || len(v.PurchaseOrders) != 2 || v.PurchaseOrders[0].CreatedAt != day(6) || v.PurchaseOrders[1].CreatedAt != day(3) {
		t.Errorf("purchase orders %+v, want the two of 3 and 6 March, newest first", v.PurchaseOrders)
	}
	if want := seller.String() + " " + phone.sku.String() + " 2026-03-02"; !slices.Equal(b.supply.asked, []string{want}) {
		t.Errorf("purchase orders asked for %v, want %s", b.supply.asked, want)
	}
	var got []row
	for _, r := range v.Sales {
		got = append(got, rowOf(r))
	}
	wantSales := []row{
		{"2026-03-03", phone.sku, "own_store", "USD", 4, 0, 400, 0, 400},
		{"2026-03-04", phone.sku, "merchant", "USD", 2, 0, 180, 0, 180},
		{"2026-03-05", phone.sku, "own_store", "USD", 0, 1, 0, 100, -100},
	}
	if !slices.Equal(got, wantSales) {
		t.Errorf("sales\n got %+v\nwant %+v", got, wantSales)
	}
	if len(v.Stock) != 2 {
		t.Errorf("stock %+v", v.Stock)
	}
	wantTotals := app.PSITotals{Received: 50, Incoming: 60, UnitsSold: 6, UnitsRefunded: 1, OnHand: 70, Reserved: 5, Available: 65}
	if v.Totals != wantTotals {
		t.Errorf("totals %+v, want %+v", v.Totals, wantTotals)
	}

	if _, err := b.sales.PurchaseSalesInventory(ctx, admin(), phone.sku, time.Time{}, time.Time{}); err != nil {
		t.Errorf("an operator: %v", err)
	}
	_, err = b.sales.PurchaseSalesInventory(ctx, supplierOf(other), phone.sku, from, to)
	wantKind(t, err, apperr.KindNotFound, "")
	_, err = b.sales.PurchaseSalesInventory(ctx, supplierOf(seller), charger.sku, from, to) // not in the catalogue
	wantKind(t, err, apperr.KindNotFound, "")
	_, err = b.sales.PurchaseSalesInventory(ctx, buyer(), phone.sku, from, to)
	wantKind(t, err, apperr.KindPermissionDenied, "SUPPLIERS_ONLY")
}
