package domain

import (
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/money"
)

func TestPushLocale(t *testing.T) {
	partner := func(quality bool, locales ...string) Partner {
		return Partner{Locales: locales, QualityCheckRequired: quality}
	}
	tests := []struct {
		name       string
		p          Partner
		f          ProductFacts
		wantLocale string
		wantOK     bool
	}{
		{"written in the partner's locale", partner(false, "en"), ProductFacts{Listed: true, DefaultLocale: "en"}, "en", true},
		{"a bare language matches a region", partner(false, "de"), ProductFacts{Listed: true, DefaultLocale: "en", Translated: []string{"de-AT"}}, "de-AT", true},
		{"a region matches a bare language", partner(false, "de-DE"), ProductFacts{Listed: true, DefaultLocale: "de"}, "de", true},
		{"another region does not match", partner(false, "de-DE"), ProductFacts{Listed: true, DefaultLocale: "de-AT"}, "", false},
		{"the partner's first locale wins", partner(false, "fr", "en"), ProductFacts{Listed: true, DefaultLocale: "en", Translated: []string{"fr"}}, "fr", true},
		{"not translated", partner(false, "ja"), ProductFacts{Listed: true, DefaultLocale: "en", Translated: []string{"de"}}, "", false},
		{"not on sale", partner(false, "en"), ProductFacts{DefaultLocale: "en"}, "", false},
		{"quality check required, not passed", partner(true, "en"), ProductFacts{Listed: true, DefaultLocale: "en"}, "", false},
		{"quality check required and passed", partner(true, "en"), ProductFacts{Listed: true, QualityPassed: true, DefaultLocale: "en"}, "en", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, why := PushLocale(tt.p, tt.f)
			if got != tt.wantLocale || ok != tt.wantOK {
				t.Fatalf("PushLocale = %q, %v (%s); want %q, %v", got, ok, why, tt.wantLocale, tt.wantOK)
			}
			if !ok && why == "" {
				t.Fatal("a product not pushed must say why")
			}
		})
	}
}

func TestListingFingerprintChangesWithWhatThePartnerSees(t *testing.T) {
	base := Listing{Marker: "crossdock:1", SKUID: "1", Title: "Tee", Attributes: map[string]string{"a": "1", "b": "2"},
		Price: money.MustNew(1000, "EUR"), Stock: 5}
	same := base
	same.Attributes = map[string]string{"b": "2", "a": "1"}
	if string(base.Fingerprint()) != string(same.Fingerprint()) {
		t.Fatal("the attributes' order changed the fingerprint")
	}
	for name, change := range map[string]func(*Listing){
		"price":      func(l *Listing) { l.Price.Amount++ },
		"stock":      func(l *Listing) { l.Stock = 4 },
		"title":      func(l *Listing) { l.Title = "Tee!" },
		"attribute":  func(l *Listing) { l.Attributes = map[string]string{"a": "1", "b": "3"} },
		"boundaries": func(l *Listing) { l.Title, l.Description = "Te", "e" },
	} {
		l := base
		change(&l)
		if string(l.Fingerprint()) == string(base.Fingerprint()) {
			t.Errorf("a change of %s kept the fingerprint", name)
		}
	}
}

func TestPullWindow(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	timing := PullTiming{Lag: 2 * time.Minute, Overlap: 10 * time.Minute}
	w, ok := timing.Window(now.Add(-time.Hour), now)
	if !ok || !w.From.Equal(now.Add(-70*time.Minute)) || !w.To.Equal(now.Add(-2*time.Minute)) {
		t.Fatalf("window = %v, %v", w, ok)
	}
	if _, ok := timing.Window(now.Add(-time.Minute), now); ok {
		t.Fatal("a watermark within the lag gave a window")
	}
}

func TestDecide(t *testing.T) {
	eur := func(n int64) money.Money { return money.MustNew(n, "EUR") }
	ours := func(sku string, q int32) OrderItem {
		return OrderItem{ItemID: "i-" + sku, Marker: Marker(sku), Quantity: q, UnitPrice: eur(1500)}
	}
	at := func(it OrderItem, price money.Money) OrderItem { it.UnitPrice = price; return it }
	line := func(sku string, q int64) OrderLine { return OrderLine{SKUID: sku, Quantity: q, UnitPrice: eur(1500)} }
	foreign := OrderItem{ItemID: "x", ListingID: "other", Quantity: 1, UnitPrice: eur(700)}
	tests := []struct {
		name  string
		o     PartnerOrder
		want  ImportDecision
		lines []OrderLine
	}{
		{"only other sellers' goods", PartnerOrder{Status: OrderPaid, Items: []OrderItem{foreign}}, Ignore, nil},
		{"paid, same SKU twice summed", PartnerOrder{Status: OrderPaid, Items: []OrderItem{ours("a", 1), foreign, ours("b", 2), ours("a", 3)}}, Place,
			[]OrderLine{line("a", 4), line("b", 2)}},
		{"same SKU at two prices kept apart", PartnerOrder{Status: OrderPaid, Items: []OrderItem{ours("a", 1), at(ours("a", 2), eur(1200)), ours("a", 3)}}, Place,
			[]OrderLine{line("a", 4), {SKUID: "a", Quantity: 2, UnitPrice: eur(1200)}}},
		{"shipped is placed too", PartnerOrder{Status: OrderShipped, Items: []OrderItem{ours("a", 1)}}, Place, []OrderLine{line("a", 1)}},
		{"awaiting payment waits", PartnerOrder{Status: OrderAwaitingPayment, Items: []OrderItem{ours("a", 1)}}, Wait, []OrderLine{line("a", 1)}},
		{"cancelled waits", PartnerOrder{Status: OrderCancelled, Items: []OrderItem{ours("a", 1)}}, Wait, []OrderLine{line("a", 1)}},
		{"unknown status is held", PartnerOrder{Status: OrderUnknown, RawStatus: "77", Items: []OrderItem{ours("a", 1)}}, Hold, []OrderLine{line("a", 1)}},
		{"a zero quantity is held", PartnerOrder{Status: OrderPaid, Items: []OrderItem{ours("a", 0)}}, Hold, []OrderLine{line("a", 0)}},
		{"a zero price is held", PartnerOrder{Status: OrderPaid, Items: []OrderItem{at(ours("a", 1), eur(0))}}, Hold,
			[]OrderLine{{SKUID: "a", Quantity: 1, UnitPrice: eur(0)}}},
		{"no price is held", PartnerOrder{Status: OrderPaid, Items: []OrderItem{at(ours("a", 1), money.Money{})}}, Hold,
			[]OrderLine{{SKUID: "a", Quantity: 1}}},
		{"a bare marker prefix is not ours", PartnerOrder{Status: OrderPaid, Items: []OrderItem{{Marker: MarkerPrefix, Quantity: 1}}}, Ignore, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, lines, why := Decide(tt.o)
			if got != tt.want {
				t.Fatalf("Decide = %v (%s), want %v", got, why, tt.want)
			}
			if len(lines) != len(tt.lines) {
				t.Fatalf("lines = %v, want %v", lines, tt.lines)
			}
			for i := range lines {
				if lines[i] != tt.lines[i] {
					t.Fatalf("lines = %v, want %v", lines, tt.lines)
				}
			}
			if got == Hold && why == "" {
				t.Fatal("a held order must say why")
			}
		})
	}
}

func TestExpectedSettlementAndReconcile(t *testing.T) {
	p := Partner{CommissionBPS: 1250, Fees: Fees{Currency: "EUR", FixedPerOrder: 30}}
	subs := []SettledSubOrder{{SubOrderID: "s1", SupplierID: "a", Currency: "EUR", GoodsMinor: 1999}, {SubOrderID: "s2", SupplierID: "b", Currency: "EUR", GoodsMinor: 1001}}
	e := ExpectedSettlement(p.Terms(), subs)
	// 12.5 % of 3000 = 375, plus 30.
	if e.GrossMinor != 3000 || e.FeesMinor != 405 || e.Currency != "EUR" {
		t.Fatalf("expected = %+v", e)
	}
	line := func(gross, fees int64, cur string) SettlementLine {
		return SettlementLine{Gross: money.Money{Amount: gross, Currency: cur}, Fees: money.Money{Amount: fees, Currency: cur}}
	}
	tests := []struct {
		name      string
		l         SettlementLine
		imported  bool
		settledBy string
		want      SettlementState
	}{
		{"agrees", line(3000, 405, "EUR"), true, "", SettlementMatched},
		{"order never imported", line(3000, 405, "EUR"), false, "", SettlementMissing},
		{"gross differs", line(2999, 405, "EUR"), true, "", SettlementMismatch},
		{"fees differ", line(3000, 406, "EUR"), true, "", SettlementMismatch},
		{"currency differs", line(3000, 405, "USD"), true, "", SettlementMismatch},
		{"agrees, but another line settled the order", line(3000, 405, "EUR"), true, "L0", SettlementMismatch},
	}
	for _, tt := range tests {
		if got := Reconcile(tt.l, tt.imported, e, tt.settledBy); got != tt.want {
			t.Errorf("%s: Reconcile = %s, want %s", tt.name, got, tt.want)
		}
	}
	if got := ExpectedSettlement(Terms{CommissionBPS: 10000, Fees: Fees{Currency: "EUR", FixedPerOrder: 50}}, subs[:1]); got.FeesMinor != 1999 {
		t.Fatalf("fees not capped at the gross: %+v", got)
	}
}

func TestSplitLineAddsUpExactly(t *testing.T) {
	subs := []SettledSubOrder{{SubOrderID: "s1", SupplierID: "a", GoodsMinor: 1}, {SubOrderID: "s2", SupplierID: "b", GoodsMinor: 1}, {SubOrderID: "s3", SupplierID: "c", GoodsMinor: 1}}
	for _, fees := range []int64{0, 1, 2, 100, 101} {
		parts := SplitLine("L1", 3, fees, subs)
		var sum int64
		for _, p := range parts {
			sum += p.FeesMinor
			if p.LineID != "L1/"+p.SubOrderID {
				t.Fatalf("part line id = %q", p.LineID)
			}
		}
		if sum != fees {
			t.Fatalf("fees %d split into %v (sum %d)", fees, parts, sum)
		}
	}
	parts := SplitLine("L", 1000, 10, []SettledSubOrder{{SubOrderID: "a", GoodsMinor: 300}, {SubOrderID: "b", GoodsMinor: 700}})
	if parts[0].FeesMinor != 3 || parts[1].FeesMinor != 7 || parts[0].GrossMinor != 300 || parts[1].GrossMinor != 700 {
		t.Fatalf("pro rata split = %+v", parts)
	}
}

// A line's gross other than its order's goods (an accepted mismatch) is
// shared out by the same largest-remainder rule as the fees: the parts add
// up to the line exactly, and a gross equal to the goods gives each part
// its sub-order's goods, as a matched line's parts always had.
func TestSplitLineSharesAnyGross(t *testing.T) {
	subs := []SettledSubOrder{{SubOrderID: "s1", GoodsMinor: 1999}, {SubOrderID: "s2", GoodsMinor: 1001}, {SubOrderID: "s3", GoodsMinor: 500}}
	tests := []struct {
		name        string
		gross, fees int64
		wantGross   []int64
	}{
		{"the goods", 3500, 350, []int64{1999, 1001, 500}},
		{"less than the goods", 3400, 340, []int64{1942, 972, 486}},
		{"more than the goods", 3501, 0, []int64{2000, 1001, 500}},
		{"one unit", 1, 1, []int64{1, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkSplit(t, subs, tt.gross, tt.fees, tt.wantGross) })
	}
	// In a currency of small units (IDR, with two decimals) a line of a few
	// billion minor units times a sub-order's goods is beyond int64.
	large := []SettledSubOrder{{SubOrderID: "s1", GoodsMinor: 1_500_000_000}, {SubOrderID: "s2", GoodsMinor: 3_500_000_000}}
	t.Run("large amounts", func(t *testing.T) {
		checkSplit(t, large, 5_000_000_000, 500_000_000, []int64{1_500_000_000, 3_500_000_000})
	})
	t.Run("one large sub-order", func(t *testing.T) {
		checkSplit(t, large[:1], 4_000_000_000, 400_000_000, []int64{4_000_000_000})
	})
}

// checkSplit splits a line over subs and checks each part's gross and that
// the parts add up to the line.
func checkSplit(t *testing.T, subs []SettledSubOrder, wantGross, wantFees int64, partGross []int64) {
	t.Helper()
	parts := SplitLine("L", wantGross, wantFees, subs)
	var gross, fees int64
	for i, p := range parts {
		gross += p.GrossMinor
		fees += p.FeesMinor
		if p.GrossMinor != partGross[i] || p.GrossMinor < 0 || p.FeesMinor < 0 {
			t.Errorf("part %d gross %d fees %d, want gross %d", i, p.GrossMinor, p.FeesMinor, partGross[i])
		}
	}
	if gross != wantGross || fees != wantFees {
		t.Errorf("parts add up to %d (fees %d), want %d (fees %d): %+v", gross, fees, wantGross, wantFees, parts)
	}
}
