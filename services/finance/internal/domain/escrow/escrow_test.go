package escrow_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/finance/internal/domain/escrow"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

var usdEUR = ledger.RateSnapshot{From: "USD", To: "EUR", Rate: "0.92", Source: "ecb", QuoteID: "q-1"}

// moves sums each account's net (credits − debits) over specs.
func moves(specs []ledger.TransferSpec) map[ledger.AccountRef]int64 {
	m := map[ledger.AccountRef]int64{}
	for _, s := range specs {
		m[s.Debit] -= s.Amount
		m[s.Credit] += s.Amount
		if s.Debit.Currency != s.Currency || s.Credit.Currency != s.Currency {
			panic("a transfer across currencies")
		}
	}
	return m
}

func TestPlanCheckout(t *testing.T) {
	c := escrow.Checkout{
		OrderID: "o-1", BuyerID: "b-1", BuyerCurrency: "USD",
		Shares: []escrow.Share{
			{SubOrderID: "s-1", SupplierOrgID: "org-1", SupplierCurrency: "EUR", Amount: 9200}, // 92.00 EUR at 0.92 → 100.00 USD
			{SubOrderID: "s-2", SupplierOrgID: "org-2", SupplierCurrency: "USD", Amount: 2500},
			{SubOrderID: "s-3", SupplierOrgID: "org-1", SupplierCurrency: "EUR", Amount: 1}, // 0.0108… USD → 0.01
		},
		Rates: map[string]ledger.RateSnapshot{"EUR": usdEUR},
	}
	p, err := escrow.PlanCheckout(c)
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != 10000+2500+1 || len(p.Transfers) != 5 {
		t.Fatalf("plan = %+v", p)
	}
	m := moves(p.Transfers)
	want := map[ledger.AccountRef]int64{
		escrow.BuyerWallet("b-1", "USD"): -12501,
		escrow.FXClearing("USD"):         10001,
		escrow.FXClearing("EUR"):         -9201,
		escrow.Escrow("s-1", "EUR"):      9200,
		escrow.Escrow("s-2", "USD"):      2500,
		escrow.Escrow("s-3", "EUR"):      1,
	}
	for a, n := range want {
		if m[a] != n {
			t.Errorf("%v moved %d, want %d", a, m[a], n)
		}
	}
	for _, s := range p.Transfers {
		if (s.Debit.Kind == ledger.KindFXClearing || s.Credit.Kind == ledger.KindFXClearing) != (s.Rate != nil) {
			t.Errorf("conversion leg without its snapshot, or a snapshot on a plain leg: %+v", s)
		}
	}

	tests := []struct {
		name   string
		change func(*escrow.Checkout)
		bad    []string
	}{
		{"no sub-orders", func(c *escrow.Checkout) { c.Shares = nil }, []string{"sub_orders"}},
		{"no rate", func(c *escrow.Checkout) { c.Rates = nil }, []string{"sub_orders[0].supplier_currency", "sub_orders[2].supplier_currency"}},
		{"rate for another pair", func(c *escrow.Checkout) {
			c.Rates = map[string]ledger.RateSnapshot{"EUR": {From: "GBP", To: "EUR", Rate: "1.1"}}
		}, []string{"sub_orders[0].supplier_currency", "sub_orders[2].supplier_currency"}},
		{"duplicate sub-order", func(c *escrow.Checkout) { c.Shares[1].SubOrderID = "s-1" }, []string{"sub_orders[1].sub_order_id"}},
		{"zero amount", func(c *escrow.Checkout) { c.Shares[1].Amount = 0 }, []string{"sub_orders[1].amount_minor"}},
		{"missing ids", func(c *escrow.Checkout) { c.OrderID, c.BuyerID = "", "" }, []string{"buyer_id", "order_id"}},
		{"bad currency", func(c *escrow.Checkout) { c.BuyerCurrency = "XXX" }, []string{"buyer_currency"}},
		{"rounds to nothing", func(c *escrow.Checkout) {
			c.BuyerCurrency = "JPY"
			c.Rates = map[string]ledger.RateSnapshot{"KWD": {From: "JPY", To: "KWD", Rate: "0.002"}}
			c.Shares = []escrow.Share{{SubOrderID: "s-9", SupplierOrgID: "org-9", SupplierCurrency: "KWD", Amount: 1}} // 0.5 yen → 0
		}, []string{"sub_orders[0].amount_minor"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := c
			in.Shares = slices.Clone(c.Shares)
			tt.change(&in)
			_, err := escrow.PlanCheckout(in)
			if f := testkit.Fields(t, err); !slices.Equal(f, slices.Sorted(slices.Values(tt.bad))) {
				t.Fatalf("violations = %v, want %v", f, tt.bad)
			}
		})
	}
}

func TestPlanSettlement(t *testing.T) {
	paid := escrow.Paid{SubOrderID: "s-1", OrderID: "o-1", BuyerID: "b-1", BuyerCurrency: "USD", SupplierOrgID: "org-1", SupplierCurrency: "EUR", Rate: &usdEUR}
	today := money.MustParseRate("1.10") // EUR → USD now: the euro is dearer than at payment (1/0.92 = 1.0870)
	tests := []struct {
		name                                    string
		s                                       escrow.Settlement
		shortfall, commission, net, rem, refund int64
		want                                    map[ledger.AccountRef]int64
	}{
		{name: "remainder back at the original rate", s: escrow.Settlement{Paid: paid, EscrowBalance: 9200, Goods: 8000, CommissionBps: 500},
			commission: 400, net: 7600, rem: 1200, refund: 1304, // 12.00 EUR / 0.92 = 13.043 USD
			want: map[ledger.AccountRef]int64{
				escrow.Escrow("s-1", "EUR"): -9200, escrow.SupplierPayable("org-1", "EUR"): 7600, escrow.Revenue("EUR"): 400,
				escrow.FXClearing("EUR"): 1200, escrow.FXClearing("USD"): -1304, escrow.BuyerWallet("b-1", "USD"): 1304,
			}},
		{name: "with today's rate the difference goes to FX gain/loss", s: escrow.Settlement{Paid: paid, EscrowBalance: 9200, Goods: 8000, CommissionBps: 500, Today: &today},
			commission: 400, net: 7600, rem: 1200, refund: 1304, // today 13.20 USD: a gain of 0.16
			want: map[ledger.AccountRef]int64{
				escrow.BuyerWallet("b-1", "USD"): 1304, escrow.FXClearing("USD"): -1304 - 16, escrow.FXGainLoss("USD"): 16,
			}},
		{name: "exact", s: escrow.Settlement{Paid: paid, EscrowBalance: 8000, Goods: 8000, CommissionBps: 0},
			net: 8000, want: map[ledger.AccountRef]int64{escrow.SupplierPayable("org-1", "EUR"): 8000, escrow.Revenue("EUR"): 0}},
		{name: "commission half-even", s: escrow.Settlement{Paid: paid, EscrowBalance: 10, Goods: 10, CommissionBps: 2500},
			commission: 2, net: 8, want: map[ledger.AccountRef]int64{escrow.Revenue("EUR"): 2}}, // 2.5 → 2
		{name: "short", s: escrow.Settlement{Paid: paid, EscrowBalance: 7000, Goods: 8000, CommissionBps: 500}, shortfall: 1000},
		{name: "advanced freight given back to the freight expense", s: escrow.Settlement{Paid: paid, EscrowBalance: 9200, Goods: 8000, AdvancedFreight: 700, CommissionBps: 500},
			commission: 400, net: 7600, rem: 500, refund: 543, // 5.00 EUR / 0.92
			want: map[ledger.AccountRef]int64{escrow.Escrow("s-1", "EUR"): -9200, escrow.FreightExpense("EUR"): 700, escrow.SupplierPayable("org-1", "EUR"): 7600}},
		{name: "short of the goods and the advanced freight", s: escrow.Settlement{Paid: paid, EscrowBalance: 8500, Goods: 8000, AdvancedFreight: 700, CommissionBps: 500},
			shortfall: 200},
		{name: "a remainder too small for the buyer's currency stays as FX rounding", s: escrow.Settlement{Paid: jpyKWD, EscrowBalance: 1001, Goods: 1000},
			net: 1000, rem: 1, want: map[ledger.AccountRef]int64{escrow.Escrow("s-9", "KWD"): -1001, escrow.FXClearing("KWD"): 1, escrow.BuyerWallet("b-1", "JPY"): 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := escrow.PlanSettlement(tt.s)
			if err != nil {
				t.Fatal(err)
			}
			if p.Shortfall != tt.shortfall || p.Commission != tt.commission || p.SupplierNet != tt.net || p.Remainder != tt.rem || p.Refunded != tt.refund {
				t.Fatalf("plan = %+v", p)
			}
			if tt.shortfall > 0 && len(p.Transfers) != 0 {
				t.Fatalf("a short settlement moves money: %+v", p.Transfers)
			}
			m := moves(p.Transfers)
			for a, n := range tt.want {
				if m[a] != n {
					t.Errorf("%v moved %d, want %d", a, m[a], n)
				}
			}
		})
	}
}

func TestPlanBack(t *testing.T) {
	paid := escrow.Paid{SubOrderID: "s-1", BuyerID: "b-1", BuyerCurrency: "USD", SupplierOrgID: "org-1", SupplierCurrency: "EUR", Rate: &usdEUR}
	cheaper := money.MustParseRate("1.00")
	tests := []struct {
		name     string
		paid     escrow.Paid
		back     escrow.Back
		refunded int64
		want     map[ledger.AccountRef]int64
	}{
		{"claw-back from the payable, a loss", paid, escrow.Back{From: escrow.SupplierPayable("org-1", "EUR"), Amount: 920, Code: ledger.CodeClawBack, Ref: "s-1", Today: &cheaper}, 1000,
			map[ledger.AccountRef]int64{escrow.SupplierPayable("org-1", "EUR"): -920, escrow.BuyerWallet("b-1", "USD"): 1000, escrow.FXGainLoss("USD"): -80, escrow.FXClearing("USD"): -1000 + 80}},
		{"one currency", escrow.Paid{SubOrderID: "s-2", BuyerID: "b-1", BuyerCurrency: "EUR", SupplierCurrency: "EUR"}, escrow.Back{From: escrow.Escrow("s-2", "EUR"), Amount: 5, Code: ledger.CodeRefund, Ref: "s-2"}, 5,
			map[ledger.AccountRef]int64{escrow.Escrow("s-2", "EUR"): -5, escrow.BuyerWallet("b-1", "EUR"): 5}},
		// 1 fils at 0.002 KWD/JPY is 0.5 yen, half-even 0: the platform keeps
		// it in FX clearing rather than refusing the refund.
		{"rounds to nothing in the buyer's currency", jpyKWD, escrow.Back{From: escrow.SupplierPayable("org-9", "KWD"), Amount: 1, Code: ledger.CodeClawBack, Ref: "r-9"}, 0,
			map[ledger.AccountRef]int64{escrow.SupplierPayable("org-9", "KWD"): -1, escrow.FXClearing("KWD"): 1, escrow.BuyerWallet("b-1", "JPY"): 0, escrow.FXClearing("JPY"): 0}},
	}
	for _, tt := range tests {
		p, err := escrow.PlanBack(tt.paid, tt.back)
		if err != nil || p.Refunded != tt.refunded {
			t.Fatalf("%s: %+v, %v", tt.name, p, err)
		}
		m := moves(p.Transfers)
		for a, n := range tt.want {
			if m[a] != n {
				t.Errorf("%s: %v moved %d, want %d", tt.name, a, m[a], n)
			}
		}
	}
	if _, err := escrow.PlanBack(paid, escrow.Back{From: escrow.Escrow("s-1", "EUR"), Amount: 0}); testkit.Fields(t, err)[0] != "amount_minor" {
		t.Error("zero refund accepted")
	}
}

// A sub-order returned to its payer in parts gives back, all told, what
// one return of the whole would: each part converts the running total back
// less the total before it. Converted alone, three refunds of 100 JPY of a
// 300 JPY share paid 200 cents at 150 JPY to the dollar gave 67 cents
// each, 201 back for 200 paid. Whatever the parts, and with the
// settlement's remainder among them, the payer gets back exactly what it
// paid.
func TestReturnsInPartsGiveBackWhatWasPaid(t *testing.T) {
	usdJPY := ledger.RateSnapshot{From: "USD", To: "JPY", Rate: "150"}
	checkout, err := escrow.PlanCheckout(escrow.Checkout{OrderID: "o-1", BuyerID: "b-1", BuyerCurrency: "USD",
		Shares: []escrow.Share{{SubOrderID: "s-1", SupplierOrgID: "org-1", SupplierCurrency: "JPY", Amount: 300}}, Rates: map[string]ledger.RateSnapshot{"JPY": usdJPY}})
	if err != nil || checkout.Total != 200 {
		t.Fatalf("checkout = %+v, %v; want 200 cents paid", checkout, err)
	}
	paid := escrow.Paid{SubOrderID: "s-1", OrderID: "o-1", BuyerID: "b-1", BuyerCurrency: "USD", SupplierOrgID: "org-1", SupplierCurrency: "JPY", Rate: &usdJPY}
	back := func(before, amount int64) int64 {
		t.Helper()
		p, err := escrow.PlanBack(paid, escrow.Back{From: escrow.Escrow("s-1", "JPY"), Amount: amount, Code: ledger.CodeRefund, Ref: "r", Before: before})
		if err != nil {
			t.Fatal(err)
		}
		m := moves(p.Transfers)
		if m[escrow.BuyerWallet("b-1", "USD")] != p.Refunded || m[escrow.Escrow("s-1", "JPY")] != -amount {
			t.Fatalf("a return of %d after %d moved %v, refunded %d", amount, before, m, p.Refunded)
		}
		return p.Refunded
	}
	if got := back(0, 100) + back(100, 100) + back(200, 100); got != 200 {
		t.Errorf("three refunds of 100 JPY gave back %d cents, want the 200 paid", got)
	}
	// Refunds before the settlement, its remainder, then claw-backs of all
	// the goods it paid for: the whole 300 JPY back in random parts.
	rnd := rand.New(rand.NewPCG(7, 8))
	parts := func(sum int64) []int64 {
		var ps []int64
		for left := sum; left > 0; left -= ps[len(ps)-1] {
			ps = append(ps, min(left, 1+rnd.Int64N(40)))
		}
		return ps
	}
	for run := range 300 {
		goods := 1 + rnd.Int64N(299)
		refunds := rnd.Int64N(300 - goods + 1)
		var before, total int64
		for _, n := range parts(refunds) {
			total += back(before, n)
			before += n
		}
		plan, err := escrow.PlanSettlement(escrow.Settlement{Paid: paid, EscrowBalance: 300 - refunds, Goods: goods, Returned: refunds})
		if err != nil || plan.Remainder != 300-refunds-goods || plan.SupplierNet != goods {
			t.Fatalf("run %d: settlement = %+v, %v", run, plan, err)
		}
		total += plan.Refunded
		before += plan.Remainder
		for _, n := range parts(goods) {
			total += back(before, n)
			before += n
		}
		if total != checkout.Total {
			t.Fatalf("run %d: refunds of %d, goods %d settled and clawed back: %d cents back, want the %d paid", run, refunds, goods, total, checkout.Total)
		}
	}
}

var jpyKWD = escrow.Paid{SubOrderID: "s-9", BuyerID: "b-1", BuyerCurrency: "JPY", SupplierOrgID: "org-9", SupplierCurrency: "KWD",
	Rate: &ledger.RateSnapshot{From: "JPY", To: "KWD", Rate: "0.002"}}

// TestPlanTopUp: the payer pays a top-up's shortfall rounded up to its
// currency's minor unit, never nothing, and escrow receives the shortfall.
func TestPlanTopUp(t *testing.T) {
	usdCNY := escrow.Paid{SubOrderID: "s-1", BuyerID: "b-1", BuyerCurrency: "USD", SupplierOrgID: "org-1", SupplierCurrency: "CNY",
		Rate: &ledger.RateSnapshot{From: "USD", To: "CNY", Rate: "7.2"}}
	merchant := usdCNY
	merchant.MerchantOrgID = "m-1"
	tests := []struct {
		name   string
		paid   escrow.Paid
		amount int64
		total  int64
		want   map[ledger.AccountRef]int64
	}{
		{"a shortfall worth less than a cent costs a cent", usdCNY, 3, 1, // 0.03 CNY / 7.2 = 0.0042 USD
			map[ledger.AccountRef]int64{escrow.BuyerWallet("b-1", "USD"): -1, escrow.FXClearing("USD"): 1, escrow.FXClearing("CNY"): -3, escrow.Escrow("s-1", "CNY"): 3}},
		{"up where half-even would go down", usdCNY, 10, 2, // 0.10 CNY / 7.2 = 0.0139 USD
			map[ledger.AccountRef]int64{escrow.BuyerWallet("b-1", "USD"): -2, escrow.Escrow("s-1", "CNY"): 10}},
		{"exact stays exact", usdCNY, 720, 100, map[ledger.AccountRef]int64{escrow.BuyerWallet("b-1", "USD"): -100, escrow.Escrow("s-1", "CNY"): 720}},
		{"a merchant's deposit pays", merchant, 3, 1, map[ledger.AccountRef]int64{escrow.MerchantDeposit("m-1", "USD"): -1, escrow.Escrow("s-1", "CNY"): 3}},
		{"one currency", escrow.Paid{SubOrderID: "s-2", BuyerID: "b-1", BuyerCurrency: "EUR", SupplierOrgID: "org-2", SupplierCurrency: "EUR"}, 3, 3,
			map[ledger.AccountRef]int64{escrow.BuyerWallet("b-1", "EUR"): -3, escrow.Escrow("s-2", "EUR"): 3}},
		{"zero decimals", jpyKWD, 1, 1, map[ledger.AccountRef]int64{escrow.BuyerWallet("b-1", "JPY"): -1, escrow.Escrow("s-9", "KWD"): 1}}, // 0.5 yen
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := escrow.PlanTopUp(tt.paid, tt.amount)
			if err != nil || p.Total != tt.total {
				t.Fatalf("plan = %+v, %v; want a total of %d", p, err, tt.total)
			}
			m := moves(p.Transfers)
			for a, n := range tt.want {
				if m[a] != n {
					t.Errorf("%v moved %d, want %d", a, m[a], n)
				}
			}
			for _, s := range p.Transfers {
				if s.Debit == tt.paid.Payer() && s.Code != ledger.CodeTopUpPayment {
					t.Errorf("the payer's leg is %s, want %s", s.Code, ledger.CodeTopUpPayment)
				}
			}
		})
	}
	if _, err := escrow.PlanTopUp(usdCNY, 0); testkit.Fields(t, err)[0] != "amount_minor" {
		t.Error("zero top-up accepted")
	}
}

// TestCheckClawBack: a claw-back may give the payer back what it paid for
// the sub-order, less what it got back already, and no more.
func TestCheckClawBack(t *testing.T) {
	tests := []struct {
		name       string
		r          escrow.Returns
		amount     int64
		refundable string // "" when allowed
	}{
		{"within", escrow.Returns{Paid: 10000, Returned: 5000}, 4000, ""},
		{"exactly the rest", escrow.Returns{Paid: 10000, Returned: 5000}, 5000, ""},
		{"one unit more", escrow.Returns{Paid: 10000, Returned: 5000}, 5001, "5000"},
		{"nothing left", escrow.Returns{Paid: 10000, Returned: 10000}, 1, "0"},
		{"more returned than paid (a coupon refunded before settlement)", escrow.Returns{Paid: 9000, Returned: 10000}, 1, "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := escrow.CheckClawBack(tt.r, tt.amount, "USD")
			var e *apperr.Error
			switch {
			case tt.refundable == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.refundable != "" && (!errors.As(err, &e) || e.Kind != apperr.KindFailedPrecondition || e.Reason != escrow.ReasonRefundExceedsPaid ||
				e.Metadata[escrow.MetadataRefundable] != tt.refundable):
				t.Fatalf("err = %v, want %s with %s refundable", err, escrow.ReasonRefundExceedsPaid, tt.refundable)
			}
		})
	}
}

// TestCommissionReturn: a return after settlement gives back the
// commission on its goods rounded up, never more than is left of it, so
// returns of the whole goods in parts give it back exactly.
func TestCommissionReturn(t *testing.T) {
	tests := []struct {
		name                                string
		amount, goods, commission, returned int64
		want                                int64
	}{
		{"the whole goods", 10000, 10000, 500, 0, 500},
		{"a part, exact", 2000, 10000, 500, 0, 100},
		{"a part, rounded up", 3333, 10000, 500, 0, 167},
		{"the last part takes what is left", 3334, 10000, 500, 334, 166},
		{"nothing left", 100, 10000, 500, 500, 0},
		{"more than the goods (freight refunded too)", 12000, 10000, 500, 0, 500},
		{"no commission", 5000, 10000, 0, 0, 0},
		{"a settlement before any was recorded", 5000, 0, 0, 0, 0},
		{"amounts beyond int64 when multiplied", 9_000_000_000_000_000, 9_000_000_000_000_000, 4_500_000_000_000_000, 0, 4_500_000_000_000_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := escrow.CommissionReturn(tt.amount, tt.goods, tt.commission, tt.returned); got != tt.want {
				t.Errorf("CommissionReturn(%d, %d, %d, %d) = %d, want %d", tt.amount, tt.goods, tt.commission, tt.returned, got, tt.want)
			}
		})
	}
	var returned int64
	for _, part := range []int64{3333, 3333, 3334} {
		returned += escrow.CommissionReturn(part, 10000, 500, returned)
	}
	if returned != 500 {
		t.Errorf("three parts of the goods gave back %d of a 500 commission", returned)
	}
}

// TestPlanPartnerSettlement: the virtual account (an asset) is debited with
// what the partner owes us, the gross less the fees it kept; the fees are
// recorded from the partner's settlement source.
func TestPlanPartnerSettlement(t *testing.T) {
	line := func(gross, fees int64) escrow.PartnerSettlementLine {
		return escrow.PartnerSettlementLine{PartnerID: "p-1", LineID: "l-1", SupplierOrgID: "org-1", Currency: "USD", Gross: gross, Fees: fees, CommissionBps: 500}
	}
	for _, tc := range []struct {
		name      string
		line      escrow.PartnerSettlementLine
		transfers int
		want      map[ledger.AccountRef]int64 // credits less debits
		field     string
	}{
		{name: "fees and commission", line: line(10000, 300), transfers: 3, want: map[ledger.AccountRef]int64{
			escrow.PartnerSettlement("p-1", "USD"): -300, escrow.PartnerVirtual("p-1", "USD"): -9700,
			escrow.SupplierPayable("org-1", "USD"): 9200, escrow.Revenue("USD"): 500, escrow.PartnerFees("p-1", "USD"): 300,
		}},
		{name: "no fees", line: line(10000, 0), transfers: 2, want: map[ledger.AccountRef]int64{
			escrow.PartnerSettlement("p-1", "USD"): 0, escrow.PartnerVirtual("p-1", "USD"): -10000,
			escrow.SupplierPayable("org-1", "USD"): 9500, escrow.Revenue("USD"): 500, escrow.PartnerFees("p-1", "USD"): 0,
		}},
		{name: "fees above the gross less commission", line: line(100, 99), field: "fees_minor"},
		{name: "fees above the gross", line: line(100, 101), field: "fees_minor"},
		{name: "no gross", line: line(0, 0), field: "gross_minor"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := escrow.PlanPartnerSettlement(tc.line)
			if tc.field != "" {
				if f := testkit.Fields(t, err); len(f) == 0 || f[0] != tc.field {
					t.Fatalf("fields = %v, want %s first", f, tc.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Transfers) != tc.transfers {
				t.Errorf("%d transfers, want %d", len(p.Transfers), tc.transfers)
			}
			m := moves(p.Transfers)
			for a, n := range tc.want {
				if m[a] != n {
					t.Errorf("%v moved %d, want %d", a, m[a], n)
				}
			}
		})
	}
}

func TestPlanPartnerWithdrawal(t *testing.T) {
	virtual := escrow.PartnerVirtual("p-1", "USD")
	unallocated := escrow.PartnerUnallocated("p-1", "USD")
	for _, tc := range []struct {
		name   string
		w      escrow.PartnerWithdrawal
		fields int
		want   map[ledger.AccountRef]int64 // credited accounts
	}{
		{name: "withdrawal", w: escrow.PartnerWithdrawal{PartnerID: "p-1", WithdrawalID: "w-1", Amount: 700, Currency: "USD"},
			want: map[ledger.AccountRef]int64{virtual: 700}},
		{name: "partly unallocated", w: escrow.PartnerWithdrawal{PartnerID: "p-1", WithdrawalID: "w-1", Amount: 700, Currency: "USD", Unallocated: 200},
			want: map[ledger.AccountRef]int64{virtual: 500, unallocated: 200}},
		{name: "all unallocated", w: escrow.PartnerWithdrawal{PartnerID: "p-1", WithdrawalID: "w-1", Amount: 700, Currency: "USD", Unallocated: 700},
			want: map[ledger.AccountRef]int64{unallocated: 700}},
		{name: "empty", w: escrow.PartnerWithdrawal{Currency: "USD"}, fields: 3},
		{name: "bad currency", w: escrow.PartnerWithdrawal{PartnerID: "p-1", WithdrawalID: "w-1", Amount: 700, Currency: "usd"}, fields: 1},
		{name: "unallocated beyond the amount", w: escrow.PartnerWithdrawal{PartnerID: "p-1", WithdrawalID: "w-1", Amount: 700, Currency: "USD", Unallocated: 701}, fields: 1},
		{name: "negative unallocated", w: escrow.PartnerWithdrawal{PartnerID: "p-1", WithdrawalID: "w-1", Amount: 700, Currency: "USD", Unallocated: -1}, fields: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts, err := escrow.PlanPartnerWithdrawal(tc.w)
			if tc.fields > 0 {
				if f := testkit.Fields(t, err); len(f) != tc.fields {
					t.Fatalf("fields = %v, want %d", f, tc.fields)
				}
				return
			}
			if err != nil || len(ts) != len(tc.want) {
				t.Fatalf("withdrawal = %+v, %v", ts, err)
			}
			for _, got := range ts {
				if got.Debit != escrow.Payout("USD") || got.Amount != tc.want[got.Credit] ||
					got.Code != ledger.CodeWithdrawal || got.Reference != "partner-withdrawal:p-1:w-1" {
					t.Errorf("transfer = %+v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestPlanFreightLegAndCoupon(t *testing.T) {
	leg, err := escrow.PlanFreightLeg(escrow.FreightLeg{SubOrderID: "s-1", LegID: "leg-1", CarrierID: "c-1", Amount: 700, Currency: "EUR"})
	if err != nil || len(leg) != 1 || leg[0].Debit != escrow.Escrow("s-1", "EUR") || leg[0].Credit != escrow.CarrierPayable("c-1", "EUR") || leg[0].Reference != "leg-1" {
		t.Errorf("leg = %+v, %v", leg, err)
	}
	platform, err := escrow.PlanFreightLeg(escrow.FreightLeg{SubOrderID: "s-1", LegID: "leg-2", CarrierID: "c-1", Amount: 900, Currency: "USD", FromPlatform: true})
	if err != nil || len(platform) != 1 || platform[0].Debit != escrow.FreightExpense("USD") || platform[0].Credit != escrow.CarrierPayable("c-1", "USD") ||
		platform[0].Amount != 900 || platform[0].Reference != "leg-2" {
		t.Errorf("platform leg = %+v, %v", platform, err)
	}
	if _, err := escrow.PlanFreightLeg(escrow.FreightLeg{Currency: "EUR"}); len(testkit.Fields(t, err)) != 4 {
		t.Errorf("empty leg: %v", err)
	}
	// A carrier's charge beyond any real one is refused: paid from the
	// platform's freight expense (escrow short), it would take that shared
	// account to the limit of int64 and every later leg in the currency
	// would be refused for overflow.
	huge := escrow.FreightLeg{SubOrderID: "s-1", LegID: "leg-4", CarrierID: "c-1", Amount: escrow.MaxAmount + 1, Currency: "USD", FromPlatform: true}
	if fields := testkit.Fields(t, func() error { _, err := escrow.PlanFreightLeg(huge); return err }()); len(fields) != 1 || fields[0] != "amount_minor" {
		t.Errorf("a leg of %d: fields %v, want amount_minor", huge.Amount, fields)
	}
	huge.Amount = escrow.MaxAmount
	if _, err := escrow.PlanFreightLeg(huge); err != nil {
		t.Errorf("a leg of the most one move may be: %v", err)
	}
	// A return parcel's leg is the platform's: from escrow it is refused.
	for _, bad := range []escrow.FreightLeg{
		{SubOrderID: "s-1", LegID: "leg-3", CarrierID: "c-1", Amount: 900, Currency: "USD", AfterSaleID: "as-1"},
		{SubOrderID: "s-1", LegID: "leg-3", CarrierID: "c-1", Amount: 900, Currency: "USD", AfterSaleID: strings.Repeat("a", 65), FromPlatform: true},
	} {
		if fields := testkit.Fields(t, func() error { _, err := escrow.PlanFreightLeg(bad); return err }()); len(fields) != 1 || fields[0] != "after_sale_id" {
			t.Errorf("leg %+v: fields %v, want after_sale_id", bad, fields)
		}
	}
}

// TestPlanCoupon: a coupon's funding is set, not added to: the coupon
// expense pays in what is missing, and a lowered funding goes back from
// escrow as far as escrow holds it.
func TestPlanCoupon(t *testing.T) {
	in, out := escrow.CouponExpense("EUR"), escrow.Escrow("s-1", "EUR")
	tests := []struct {
		name                    string
		amount, funded, balance int64
		from, to                ledger.AccountRef
		moved                   int64
		code                    ledger.Code
	}{
		{"first funding", 300, 0, 5000, in, out, 300, ledger.CodeCoupon},
		{"raised", 300, 100, 5000, in, out, 200, ledger.CodeCoupon},
		{"lowered", 100, 300, 5000, out, in, 200, ledger.CodeCouponLowered},
		{"lowered past what escrow holds", 100, 300, 50, out, in, 50, ledger.CodeCouponLowered},
		{"unchanged", 300, 300, 5000, ledger.AccountRef{}, ledger.AccountRef{}, 0, ""},
		{"taken back whole", 0, 300, 5000, out, in, 300, ledger.CodeCouponLowered},
		{"lowered with escrow empty", 100, 300, 0, ledger.AccountRef{}, ledger.AccountRef{}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			specs, err := escrow.PlanCoupon(escrow.Coupon{SubOrderID: "s-1", CouponID: "cp-1", Amount: tt.amount, Currency: "EUR", Funded: tt.funded, EscrowBalance: tt.balance})
			if err != nil {
				t.Fatal(err)
			}
			if tt.moved == 0 {
				if len(specs) != 0 {
					t.Fatalf("moved %+v, want nothing", specs)
				}
				return
			}
			if len(specs) != 1 || specs[0].Debit != tt.from || specs[0].Credit != tt.to || specs[0].Amount != tt.moved || specs[0].Code != tt.code ||
				specs[0].Reference != escrow.CouponRef("s-1", "cp-1") {
				t.Fatalf("moved %+v, want %d %s from %v to %v", specs, tt.moved, tt.code, tt.from, tt.to)
			}
		})
	}
	if fields := testkit.Fields(t, func() error {
		_, err := escrow.PlanCoupon(escrow.Coupon{SubOrderID: "s-1", Currency: "EUR", Amount: -1})
		return err
	}()); len(fields) != 2 {
		t.Errorf("a coupon without an id, negative: fields %v, want coupon_id and amount_minor", fields)
	}
	// Beyond MaxAmount: one such funding would take the currency's coupon
	// expense account to the limit of int64, every later coupon refused.
	if fields := testkit.Fields(t, func() error {
		_, err := escrow.PlanCoupon(escrow.Coupon{SubOrderID: "s-1", CouponID: "cp-1", Currency: "EUR", Amount: escrow.MaxAmount + 1, EscrowBalance: 5000})
		return err
	}()); len(fields) != 1 || fields[0] != "amount_minor" {
		t.Errorf("a coupon beyond MaxAmount: fields %v, want amount_minor", fields)
	}
}

// TestCouponFunding adds up a coupon's funding in and out of escrow, and
// the commands that moved it.
func TestCouponFunding(t *testing.T) {
	ts := []ledger.Transfer{
		{CommandID: "c1", Code: ledger.CodeCoupon, Amount: 300},
		{CommandID: "c2", Code: ledger.CodeCouponLowered, Amount: 200},
		{CommandID: "c3", Code: ledger.CodeCoupon, Amount: 50},
		{CommandID: "c4", Code: ledger.CodeCouponReclaim, Amount: 10}, // not the funding's
	}
	if funded, commands := escrow.CouponFunding(ts); funded != 150 || commands != 3 {
		t.Errorf("funding = %d in %d commands, want 150 in 3", funded, commands)
	}
}

// TestPayer: one account pays a sub-order and takes back what escrow gives
// back: the buyer's wallet, or for a merchant order the merchant's deposit,
// in the buyer currency. Checkout, settlement, refunds and claw-backs all
// move it.
func TestPayer(t *testing.T) {
	wallet, deposit := escrow.BuyerWallet("b-1", "USD"), escrow.MerchantDeposit("m-1", "USD")
	if deposit.Kind != ledger.KindMerchantDeposit || deposit.Owner != (ledger.Owner{Type: ledger.OwnerOrganization, ID: "m-1"}) {
		t.Fatalf("deposit = %+v", deposit)
	}
	buyer := escrow.Paid{SubOrderID: "s-1", OrderID: "o-1", BuyerID: "b-1", BuyerCurrency: "USD", SupplierOrgID: "org-1", SupplierCurrency: "EUR", Rate: &usdEUR}
	merchant := buyer
	merchant.MerchantOrgID = "m-1"
	tests := []struct {
		name  string
		paid  escrow.Paid
		payer ledger.AccountRef
		other ledger.AccountRef // never moved
	}{
		{"a buyer's order: the buyer's wallet", buyer, wallet, deposit},
		{"a merchant order: the merchant's deposit", merchant, deposit, wallet},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.paid.Payer(); got != tt.payer {
				t.Fatalf("payer = %+v, want %+v", got, tt.payer)
			}
			c := escrow.Checkout{OrderID: "o-1", BuyerID: "b-1", BuyerCurrency: "USD", MerchantOrgID: tt.paid.MerchantOrgID,
				Shares: []escrow.Share{
					{SubOrderID: "s-1", SupplierOrgID: "org-1", SupplierCurrency: "EUR", Amount: 9200},
					{SubOrderID: "s-2", SupplierOrgID: "org-2", SupplierCurrency: "USD", Amount: 2500},
				},
				Rates: map[string]ledger.RateSnapshot{"EUR": usdEUR}}
			if got := c.Payer(); got != tt.payer {
				t.Errorf("checkout payer = %+v", got)
			}
			if got := c.Paid(c.Shares[0], &usdEUR); got != tt.paid {
				t.Errorf("checkout's record = %+v, want %+v", got, tt.paid)
			}
			pay, err := escrow.PlanCheckout(c)
			if err != nil {
				t.Fatal(err)
			}
			settle, err := escrow.PlanSettlement(escrow.Settlement{Paid: tt.paid, EscrowBalance: 9200, Goods: 8000, CommissionBps: 500})
			if err != nil {
				t.Fatal(err)
			}
			refund, err := escrow.PlanBack(tt.paid, escrow.Back{From: escrow.Escrow("s-1", "EUR"), Amount: 920, Code: ledger.CodeRefund, Ref: "r-1"})
			if err != nil {
				t.Fatal(err)
			}
			clawBack, err := escrow.PlanBack(tt.paid, escrow.Back{From: escrow.SupplierPayable("org-1", "EUR"), Amount: 920, Code: ledger.CodeClawBack, Ref: "r-2"})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range []struct {
				what      string
				transfers []ledger.TransferSpec
				change    int64
			}{
				{"checkout", pay.Transfers, -12500},
				{"settlement remainder", settle.Transfers, 1304},
				{"refund", refund.Transfers, 1000},
				{"claw-back", clawBack.Transfers, 1000},
			} {
				moved := moves(m.transfers)
				if moved[tt.payer] != m.change || moved[tt.other] != 0 {
					t.Errorf("%s moved the payer %d (want %d) and the other account %d", m.what, moved[tt.payer], m.change, moved[tt.other])
				}
				if got := tt.paid.PayerChange(m.transfers); got != m.change {
					t.Errorf("%s: PayerChange = %d, want %d", m.what, got, m.change)
				}
			}
		})
	}
}

func TestPlanPartnerAllocation(t *testing.T) {
	unallocated := escrow.PartnerUnallocated("p-1", "EUR")
	valid := escrow.PartnerAllocation{PartnerID: "p-1", AllocationID: "a-1", Amount: 400, Currency: "EUR", To: escrow.AllocateToRevenue,
		Note: "The partner confirmed it will not claim the dismissed line back."}
	for _, tc := range []struct {
		name   string
		change func(*escrow.PartnerAllocation)
		to     ledger.AccountRef
		fields []string
	}{
		{name: "to revenue", change: func(*escrow.PartnerAllocation) {}, to: escrow.Revenue("EUR")},
		{name: "back to the partner", change: func(a *escrow.PartnerAllocation) { a.To = escrow.AllocateToPartner }, to: escrow.PartnerSettlement("p-1", "EUR")},
		{name: "nothing", change: func(a *escrow.PartnerAllocation) { *a = escrow.PartnerAllocation{Currency: "EUR"} },
			fields: []string{"allocation", "allocation_id", "amount_minor", "note", "partner_id"}},
		{name: "a blank note", change: func(a *escrow.PartnerAllocation) { a.Note = " \n" }, fields: []string{"note"}},
		{name: "a long note", change: func(a *escrow.PartnerAllocation) { a.Note = strings.Repeat("x", escrow.MaxAllocationNote+1) }, fields: []string{"note"}},
		{name: "an unknown allocation", change: func(a *escrow.PartnerAllocation) { a.To = "charity" }, fields: []string{"allocation"}},
		{name: "a bad currency", change: func(a *escrow.PartnerAllocation) { a.Currency = "eur" }, fields: []string{"amount.currency_code"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := valid
			tc.change(&a)
			ts, err := escrow.PlanPartnerAllocation(a)
			if tc.fields != nil {
				if got := testkit.Fields(t, err); !slices.Equal(got, tc.fields) {
					t.Fatalf("fields = %v, want %v", got, tc.fields)
				}
				return
			}
			if err != nil || len(ts) != 1 || ts[0].Debit != unallocated || ts[0].Credit != tc.to || ts[0].Amount != 400 ||
				ts[0].Code != ledger.CodePartnerAllocation || ts[0].Reference != "partner-allocation:p-1:a-1" {
				t.Errorf("allocation = %+v, %v", ts, err)
			}
		})
	}
}
