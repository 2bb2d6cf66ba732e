package partnersim_test

import (
	"errors"
	"testing"
	"time"

	"github.com/crossdock/crossdock/simulators/partnersim"
)

func TestListingReview(t *testing.T) {
	tests := []struct {
		name       string
		reject     float64
		wantStatus string
	}{
		{"accepted", 0, partnersim.ListingLive},
		{"rejected", 1, partnersim.ListingRejected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			m := partnersim.NewMarket(partnersim.MarketConfig{Now: clk.Now, ReviewDelay: time.Minute,
				Faults: partnersim.Faults{RejectListings: tt.reject}})
			v, err := m.UpsertListing(listing(1))
			if err != nil || v.Status != partnersim.ListingPending {
				t.Fatalf("upsert = %+v, %v; want pending", v, err)
			}
			clk.Advance(time.Minute - time.Second)
			if got := m.Listings(nil)[0].Status; got != partnersim.ListingPending {
				t.Fatalf("before the review: %s", got)
			}
			clk.Advance(time.Second)
			got := m.Listings([]string{listing(1).Marker, "crossdock:unknown"})
			if len(got) != 1 || got[0].Status != tt.wantStatus {
				t.Fatalf("after the review: %+v", got)
			}
			if (tt.wantStatus == partnersim.ListingRejected) != (len(got[0].Reasons) > 0) {
				t.Errorf("reasons %q for %s", got[0].Reasons, got[0].Status)
			}
			// The same listing again changes nothing; a stock change keeps
			// the verdict; a new title goes back to review.
			same, _ := m.UpsertListing(listing(1))
			in := listing(1)
			in.Stock = 3
			stock, _ := m.UpsertListing(in)
			in.Title = "Another teapot"
			changed, _ := m.UpsertListing(in)
			if same.Status != tt.wantStatus || stock.Status != tt.wantStatus || stock.Stock != 3 ||
				changed.Status != partnersim.ListingPending || changed.Upserts != 4 {
				t.Errorf("same %s, stock %s (%d), changed %s (%d upserts)", same.Status, stock.Status, stock.Stock, changed.Status, changed.Upserts)
			}
			if w := m.WithdrawListing(in.Marker); w.Status != partnersim.ListingWithdrawn {
				t.Errorf("withdrawn: %s", w.Status)
			}
			if w := m.WithdrawListing("crossdock:unknown"); w.Marker != "" {
				t.Errorf("unknown withdrawn: %+v", w)
			}
		})
	}
}

func TestUpsertListingRefusesIncomplete(t *testing.T) {
	tests := []struct {
		name string
		edit func(*partnersim.ListingInput)
	}{
		{"no marker", func(l *partnersim.ListingInput) { l.Marker = "" }},
		{"no title", func(l *partnersim.ListingInput) { l.Title = "" }},
		{"no currency", func(l *partnersim.ListingInput) { l.Currency = "" }},
		{"no price", func(l *partnersim.ListingInput) { l.PriceMinor = 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := listing(1)
			tt.edit(&in)
			if _, err := partnersim.NewMarket(partnersim.MarketConfig{}).UpsertListing(in); !errors.Is(err, partnersim.ErrInvalid) {
				t.Errorf("error = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestPlaceOrder(t *testing.T) {
	clk := newClock()
	m := liveMarket(t, clk, partnersim.MarketConfig{ReviewDelay: time.Minute}, 2)
	if _, err := m.UpsertListing(partnersim.ListingInput{Marker: "crossdock:pending", Title: "x", Currency: "EUR", PriceMinor: 1, Stock: 5}); err != nil {
		t.Fatal(err)
	}
	gbp := listing(5)
	gbp.Currency = "GBP"
	m.UpsertListing(gbp)
	clk.Advance(time.Minute)
	m.UpsertListing(partnersim.ListingInput{Marker: "crossdock:pending", Title: "y", Currency: "EUR", PriceMinor: 1, Stock: 5})
	tests := []struct {
		name  string
		items []partnersim.ItemInput
		want  error
	}{
		{"ours and another seller's", []partnersim.ItemInput{{Marker: listing(0).Marker, Quantity: 2}, {Quantity: 1}}, nil},
		{"more than the stock", []partnersim.ItemInput{{Marker: listing(1).Marker, Quantity: 101}}, partnersim.ErrConflict},
		{"a listing under review", []partnersim.ItemInput{{Marker: "crossdock:pending", Quantity: 1}}, partnersim.ErrConflict},
		{"an unknown listing", []partnersim.ItemInput{{Marker: "crossdock:nope", Quantity: 1}}, partnersim.ErrNotFound},
		{"two currencies", []partnersim.ItemInput{{Marker: listing(0).Marker, Quantity: 1}, {Marker: gbp.Marker, Quantity: 1}}, partnersim.ErrInvalid},
		{"no quantity", []partnersim.ItemInput{{Marker: listing(0).Marker}}, partnersim.ErrInvalid},
		{"nothing", nil, partnersim.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := m.PlaceOrder("b", berlin, tt.items, true)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error = %v, want %v", err, tt.want)
			}
			if err != nil {
				return
			}
			if o.Status != partnersim.StatusPaid || len(o.Items) != 2 || o.Items[1].Marker != "" || o.Items[1].ListingID[:13] != "other-seller-" {
				t.Errorf("order %+v", o)
			}
			if o.TotalMinor != 2*1999+o.Items[1].UnitPriceMinor {
				t.Errorf("total %d", o.TotalMinor)
			}
		})
	}
	if got := m.Listings([]string{listing(0).Marker})[0].Stock; got != 98 {
		t.Errorf("stock after the order = %d, want 98", got)
	}
}

func TestCancelAndPay(t *testing.T) {
	clk := newClock()
	m := liveMarket(t, clk, partnersim.MarketConfig{}, 1)
	unpaid, _ := m.PlaceOrder("b", berlin, []partnersim.ItemInput{{Marker: listing(0).Marker, Quantity: 4}}, false)
	paid := place(t, m, 0)
	shipped := place(t, m, 0)
	if _, err := m.ConfirmShipment(shipped.OrderID, nil, "dhl", "WB1"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		do     func(string) (partnersim.Order, error)
		order  string
		want   error
		status partnersim.OrderStatus
	}{
		{"pay an unpaid order", m.Pay, unpaid.OrderID, nil, partnersim.StatusPaid},
		{"pay it again", m.Pay, unpaid.OrderID, partnersim.ErrConflict, 0},
		{"cancel a paid order", m.Cancel, paid.OrderID, nil, partnersim.StatusCancelled},
		{"cancel it again", m.Cancel, paid.OrderID, nil, partnersim.StatusCancelled},
		{"cancel a shipped order", m.Cancel, shipped.OrderID, partnersim.ErrConflict, 0},
		{"pay a cancelled order", m.Pay, paid.OrderID, partnersim.ErrConflict, 0},
		{"cancel an unknown order", m.Cancel, "po-nope", partnersim.ErrNotFound, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := tt.do(tt.order)
			if !errors.Is(err, tt.want) || (err == nil && o.Status != tt.status) {
				t.Errorf("= %v, %v; want %v, %v", o.Status, err, tt.status, tt.want)
			}
		})
	}
	// 100 - 4 - 1 - 1, and the cancelled order's unit back.
	if got := m.Listings(nil)[0].Stock; got != 95 {
		t.Errorf("stock = %d, want 95", got)
	}
}

func TestListOrdersVisibilityLag(t *testing.T) {
	clk := newClock()
	m := liveMarket(t, clk, partnersim.MarketConfig{VisibilityLag: time.Minute}, 1)
	from := clk.Now()
	o := place(t, m, 0)
	tests := []struct {
		name    string
		advance time.Duration
		to      time.Duration
		want    int
	}{
		{"just placed", 0, time.Hour, 0},
		{"almost visible", 59 * time.Second, time.Hour, 0},
		{"visible", time.Second, time.Hour, 1},
		{"window ends at the update", 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk.Advance(tt.advance)
			got, more := m.ListOrders(from, o.UpdatedAt.Add(tt.to), 0, 10)
			if len(got) != tt.want || more {
				t.Errorf("%d orders (more %v), want %d", len(got), more, tt.want)
			}
		})
	}
}

// Paging with PageShift: an order of an earlier page moves to the end of
// the window, so the pages of a naive pager miss one order, and one
// already seen comes again.
func TestListOrdersPageShift(t *testing.T) {
	tests := []struct {
		name      string
		shift     float64
		wantMoved bool
	}{
		{"no shift", 0, false},
		{"every page shifts", 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			m := liveMarket(t, clk, partnersim.MarketConfig{Faults: partnersim.Faults{PageShift: tt.shift}}, 1)
			from := clk.Now()
			for range 10 {
				place(t, m, 0)
				clk.Advance(time.Second)
			}
			to := clk.Now()
			seen := map[string]bool{}
			for offset := 0; ; offset += 4 {
				page, more := m.ListOrders(from, to.Add(time.Hour), offset, 4)
				for _, o := range page {
					seen[o.OrderID] = true
				}
				if !more {
					break
				}
			}
			moved := false
			for _, o := range m.Orders() {
				moved = moved || o.UpdatedAt.Equal(to)
			}
			if missed := len(seen) < 10; missed != tt.wantMoved || moved != tt.wantMoved {
				t.Errorf("saw %d distinct orders of 10 (one moved: %v), want moved and missed %v", len(seen), moved, tt.wantMoved)
			}
		})
	}
}

func TestUnknownStatusUntilListed(t *testing.T) {
	clk := newClock()
	m := liveMarket(t, clk, partnersim.MarketConfig{Faults: partnersim.Faults{UnknownStatus: 1}}, 1)
	o := place(t, m, 0)
	got, _ := m.Order(o.OrderID)
	office, _ := m.BackOfficeOrder(o.OrderID)
	all := m.Orders()
	first, _ := m.ListOrders(time.Time{}, clk.Now().Add(time.Hour), 0, 10)
	second, _ := m.ListOrders(time.Time{}, clk.Now().Add(time.Hour), 0, 10)
	if got.Status != partnersim.FaultStatus || first[0].Status != partnersim.FaultStatus || second[0].Status != partnersim.StatusPaid {
		t.Errorf("the API's statuses %d, %d, %d", got.Status, first[0].Status, second[0].Status)
	}
	// The back office (and the buyer placing it) sees the order as it is.
	if o.Status != partnersim.StatusPaid || office.Status != partnersim.StatusPaid || all[0].Status != partnersim.StatusPaid {
		t.Errorf("the back office's statuses %d, %d, %d", o.Status, office.Status, all[0].Status)
	}
}

func TestConfirmShipmentExactlyOnce(t *testing.T) {
	clk := newClock()
	m := liveMarket(t, clk, partnersim.MarketConfig{SettlementDelay: time.Hour}, 2)
	two, err := m.PlaceOrder("b", berlin, []partnersim.ItemInput{{Marker: listing(0).Marker, Quantity: 1}, {Quantity: 1}, {Marker: listing(1).Marker, Quantity: 2}}, true)
	if err != nil {
		t.Fatal(err)
	}
	unpaid, _ := m.PlaceOrder("b", berlin, []partnersim.ItemInput{{Marker: listing(0).Marker, Quantity: 1}}, false)
	first, foreign, second := two.Items[0].ItemID, two.Items[1].ItemID, two.Items[2].ItemID
	tests := []struct {
		name        string
		order       string
		items       []string
		waybill     string
		wantAlready bool
		want        error
		wantStatus  partnersim.OrderStatus
	}{
		{"first package", two.OrderID, []string{first}, "WB1", false, nil, partnersim.StatusPaid},
		{"the same again", two.OrderID, []string{first}, "WB1", true, nil, partnersim.StatusPaid},
		{"its item under another waybill", two.OrderID, []string{first}, "WB2", false, partnersim.ErrAlreadyShipped, partnersim.StatusPaid},
		{"another seller's item", two.OrderID, []string{foreign}, "WB3", false, partnersim.ErrInvalid, partnersim.StatusPaid},
		{"the rest in the same package", two.OrderID, []string{second}, "WB1", false, nil, partnersim.StatusShipped},
		{"both again once shipped", two.OrderID, []string{first, second}, "WB1", true, nil, partnersim.StatusShipped},
		{"the first again once shipped", two.OrderID, []string{first}, "WB1", true, nil, partnersim.StatusShipped},
		{"an unpaid order", unpaid.OrderID, nil, "WB5", false, partnersim.ErrConflict, partnersim.StatusAwaitingPayment},
		{"an unknown order", "po-nope", nil, "WB6", false, partnersim.ErrNotFound, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			already, err := m.ConfirmShipment(tt.order, tt.items, "dhl", tt.waybill)
			if already != tt.wantAlready || !errors.Is(err, tt.want) {
				t.Fatalf("= %v, %v; want %v, %v", already, err, tt.wantAlready, tt.want)
			}
			if o, _ := m.Order(tt.order); o.Status != tt.wantStatus {
				t.Errorf("status %d, want %d", o.Status, tt.wantStatus)
			}
		})
	}
	if got := m.Confirmations(); got[two.OrderID] != 2 || len(got) != 1 {
		t.Errorf("confirmations %v, want 2 for %s only", got, two.OrderID)
	}
	if lines := m.AllSettlements(); len(lines) != 1 || lines[0].GrossMinor != 3*1999 {
		t.Errorf("settlements %+v, want one of 3×1999", lines)
	}
}

func TestSettlementTiming(t *testing.T) {
	clk := newClock()
	m := liveMarket(t, clk, partnersim.MarketConfig{SettlementDelay: 24 * time.Hour, FeeBps: 1250, FixedFeeMinor: 30}, 1)
	start := clk.Now()
	o := place(t, m, 0)
	if _, err := m.ConfirmShipment(o.OrderID, nil, "dhl", "WB1"); err != nil {
		t.Fatal(err)
	}
	end := start.Add(48 * time.Hour)
	tests := []struct {
		name    string
		advance time.Duration
		want    int
	}{
		{"shipped", 0, 0},
		{"a second early", 24*time.Hour - time.Second, 0},
		{"booked", time.Second, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk.Advance(tt.advance)
			lines, more := m.Settlements(start, end, 0, 10)
			if len(lines) != tt.want || more {
				t.Fatalf("%d lines, want %d", len(lines), tt.want)
			}
			// 1999 × 12.5% = 249.875 → 250, plus 30.
			if tt.want == 1 && (lines[0].GrossMinor != 1999 || lines[0].FeesMinor != 280 || lines[0].OrderID != o.OrderID) {
				t.Errorf("line %+v", lines[0])
			}
		})
	}
}

// A marketplace's own promotion prices a marked item below its listing:
// the buyer pays the promotional price and the settlement pays on it.
func TestPlaceOrderAtAPromotionalPrice(t *testing.T) {
	clk := newClock()
	m := liveMarket(t, clk, partnersim.MarketConfig{FeeBps: 1000}, 1)
	if _, err := m.PlaceOrder("b", berlin, []partnersim.ItemInput{{Marker: listing(0).Marker, Quantity: 1, PriceMinor: -1}}, true); !errors.Is(err, partnersim.ErrInvalid) {
		t.Fatalf("a negative price: %v", err)
	}
	o, err := m.PlaceOrder("b", berlin, []partnersim.ItemInput{{Marker: listing(0).Marker, Quantity: 2, PriceMinor: 1500}, {Marker: listing(0).Marker, Quantity: 1}}, true)
	if err != nil {
		t.Fatal(err)
	}
	if o.Items[0].UnitPriceMinor != 1500 || o.Items[1].UnitPriceMinor != 1999 || o.TotalMinor != 2*1500+1999 {
		t.Fatalf("items %+v, total %d; want 2 at 1500 and 1 at the listing's 1999", o.Items, o.TotalMinor)
	}
	if _, err := m.ConfirmShipment(o.OrderID, nil, "dhl", "WB1"); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	if lines, _ := m.Settlements(clk.Now().Add(-time.Hour), clk.Now().Add(time.Hour), 0, 10); len(lines) != 1 || lines[0].GrossMinor != 2*1500+1999 {
		t.Errorf("settlement %+v; want gross %d", lines, 2*1500+1999)
	}
}

func TestFees(t *testing.T) {
	tests := []struct {
		gross, fixed int64
		bps          int
		want         int64
	}{
		{10000, 0, 1500, 1500},
		{1999, 0, 1250, 250}, // 249.875
		{1998, 0, 1250, 250}, // 249.75
		{1996, 0, 1250, 250}, // 249.5 rounds up
		{1995, 0, 1250, 249}, // 249.375
		{100, 30, 1000, 40},
		{20, 30, 1000, 20}, // capped at the gross
		{0, 30, 1000, 0},
	}
	for _, tt := range tests {
		if got := partnersim.Fees(tt.gross, tt.bps, tt.fixed); got != tt.want {
			t.Errorf("Fees(%d, %d, %d) = %d, want %d", tt.gross, tt.bps, tt.fixed, got, tt.want)
		}
	}
}

func TestSettlementJitterOutOfOrder(t *testing.T) {
	clk := newClock()
	m := liveMarket(t, clk, partnersim.MarketConfig{SettlementDelay: time.Hour,
		Faults: partnersim.Faults{SettlementDelayJitter: time.Hour}}, 1)
	var ids []string
	for range 20 {
		o := place(t, m, 0)
		m.ConfirmShipment(o.OrderID, nil, "dhl", "WB-"+o.OrderID)
		ids = append(ids, o.OrderID)
	}
	lines := m.AllSettlements()
	inOrder := true
	for i, l := range lines {
		inOrder = inOrder && l.OrderID == ids[i]
		if d := l.SettledAt.Sub(clk.Now()); d < time.Hour || d > 2*time.Hour {
			t.Errorf("line booked %v after shipping", d)
		}
	}
	if len(lines) != 20 || inOrder {
		t.Errorf("%d lines, in shipping order: %v", len(lines), inOrder)
	}
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name   string
		faults partnersim.Faults
		want   partnersim.FaultKind
	}{
		{"none", partnersim.Faults{}, 0},
		{"rate limited", partnersim.Faults{RateLimit: 1, RetryAfter: 3 * time.Second}, partnersim.FaultRateLimited},
		{"server error", partnersim.Faults{ServerError: 1}, partnersim.FaultServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := partnersim.NewMarket(partnersim.MarketConfig{Faults: tt.faults}).Fault()
			var f *partnersim.FaultError
			if errors.As(err, &f) != (tt.want != 0) || (f != nil && (f.Kind != tt.want || f.RetryAfter != tt.faults.RetryAfter)) {
				t.Errorf("Fault() = %v, want kind %d", err, tt.want)
			}
		})
	}
}

func TestPayouts(t *testing.T) {
	clk := newClock()
	m := liveMarket(t, clk, partnersim.MarketConfig{SettlementDelay: 10 * time.Minute, FeeBps: 1000, PayoutEvery: time.Hour}, 1)
	usd := listing(9)
	usd.Currency = "USD"
	if _, err := m.UpsertListing(usd); err != nil {
		t.Fatal(err)
	}
	start := clk.Now()
	ship := func(n int) {
		t.Helper()
		o := place(t, m, n)
		if _, err := m.ConfirmShipment(o.OrderID, nil, "dhl", "WB-"+o.OrderID); err != nil {
			t.Fatal(err)
		}
	}
	ship(0)
	ship(0)
	ship(9)
	// 1999 less 10% (200): 1799 a line.
	type want struct {
		currency string
		amount   int64
		at       time.Time
	}
	tests := []struct {
		name    string
		advance time.Duration
		act     func() []partnersim.Payout
		made    []want
		all     int
		unpaid  map[string]int64
	}{
		{"booked, not yet paid out", 59 * time.Minute, nil, nil, 0, map[string]int64{"EUR": 3598, "USD": 1799}},
		{"the hourly payout, one per currency", time.Minute, nil, nil, 2, map[string]int64{}},
		{"forced with nothing to pay", 0, m.PayOut, nil, 2, map[string]int64{}},
		{"a new line forced out", 20 * time.Minute, func() []partnersim.Payout { ship(0); clk.Advance(10 * time.Minute); return m.PayOut() },
			[]want{{"EUR", 1799, start.Add(90 * time.Minute)}}, 3, map[string]int64{}},
		{"the next hour pays nothing twice", time.Hour, nil, nil, 3, map[string]int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk.Advance(tt.advance)
			if tt.act != nil {
				made := tt.act()
				if len(made) != len(tt.made) {
					t.Fatalf("made %+v, want %+v", made, tt.made)
				}
				for i, w := range tt.made {
					if made[i].Currency != w.currency || made[i].AmountMinor != w.amount || !made[i].PaidAt.Equal(w.at) {
						t.Errorf("payout %+v, want %+v", made[i], w)
					}
				}
			}
			if all := m.AllPayouts(); len(all) != tt.all {
				t.Errorf("%d payouts, want %d: %+v", len(all), tt.all, all)
			}
			if got := m.Unpaid(); len(got) != len(tt.unpaid) || got["EUR"] != tt.unpaid["EUR"] || got["USD"] != tt.unpaid["USD"] {
				t.Errorf("unpaid %v, want %v", got, tt.unpaid)
			}
		})
	}
	hourly, more := m.Payouts(start.Add(time.Hour), start.Add(time.Hour+time.Second), 0, 1)
	if len(hourly) != 1 || !more || hourly[0].Currency != "EUR" || hourly[0].AmountMinor != 3598 || !hourly[0].PaidAt.Equal(start.Add(time.Hour)) {
		t.Errorf("the hourly payouts' first page: %+v, more %v", hourly, more)
	}
	if rest, more := m.Payouts(start.Add(time.Hour), start.Add(time.Hour+time.Second), 1, 1); len(rest) != 1 || more || rest[0].Currency != "USD" || rest[0].AmountMinor != 1799 {
		t.Errorf("the second page: %+v, more %v", rest, more)
	}
}

func TestNoPayoutsByDefault(t *testing.T) {
	clk := newClock()
	m := liveMarket(t, clk, partnersim.MarketConfig{}, 1)
	o := place(t, m, 0)
	if _, err := m.ConfirmShipment(o.OrderID, nil, "dhl", "WB1"); err != nil {
		t.Fatal(err)
	}
	clk.Advance(1000 * time.Hour)
	if all := m.AllPayouts(); len(all) != 0 {
		t.Errorf("payouts %+v without PayoutEvery", all)
	}
	if got := m.Unpaid()["EUR"]; got != 1999 {
		t.Errorf("unpaid %d, want the whole line", got)
	}
}

// Ids are never issued twice, by two runs of the marketplace either: a
// seller that kept its records across a restart of the marketplace (a mesh
// restarted on its data) must not take a new order, settlement line or
// payout for one it already has.
func TestIDsDifferAcrossRuns(t *testing.T) {
	seen := map[string]bool{}
	for range 2 {
		m := liveMarket(t, newClock(), partnersim.MarketConfig{}, 1)
		o := place(t, m, 0)
		if seen[o.OrderID] {
			t.Errorf("a second run issued order %s again", o.OrderID)
		}
		seen[o.OrderID] = true
	}
}
