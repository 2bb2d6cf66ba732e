package domain_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

var (
	acme, bolt     = uuid.MustParse("00000000-0000-0000-0000-00000000000a"), uuid.MustParse("00000000-0000-0000-0000-00000000000b")
	shoes, hats    = uuid.New(), uuid.New()
	couponFrom     = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	couponUntil    = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	duringCampaign = time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC)
)

func fixed(amount int64) domain.Campaign {
	return domain.Campaign{ID: uuid.New(), Name: "Winter", Kind: domain.FixedAmount, Currency: "USD", Amount: money.MustNew(amount, "USD"),
		MinimumSpend: money.MustNew(0, "USD"), ValidFrom: couponFrom, ValidUntil: couponUntil, FundedBy: domain.FundedByPlatform, Channel: domain.AnyChannel}
}

func percent(bps int64, cap int64) domain.Campaign {
	c := fixed(0)
	c.Kind, c.Amount, c.PercentBPS = domain.Percentage, money.Money{}, bps
	if cap > 0 {
		m := money.MustNew(cap, "USD")
		c.Cap = &m
	}
	return c
}

func good(supplier, category uuid.UUID, price int64, currency string) domain.SKU {
	return domain.SKU{ID: uuid.New(), SupplierID: supplier, CategoryID: category, Type: domain.Physical, Price: money.MustNew(price, currency), OnSale: true}
}

// basket splits lines the way checkout does.
func basket(t *testing.T, lines ...domain.Line) []domain.SubOrderDraft {
	t.Helper()
	drafts, err := domain.Split(lines)
	if err != nil {
		t.Fatal(err)
	}
	return drafts
}

func one(sku domain.SKU, n int32) domain.Line { return domain.Line{SKU: sku, Quantity: n} }

func TestCouponDiscounts(t *testing.T) {
	acmeShoes, acmeHats, boltShoes := good(acme, shoes, 1000, "USD"), good(acme, hats, 333, "USD"), good(bolt, shoes, 2000, "USD")
	euroShoes := good(uuid.MustParse("00000000-0000-0000-0000-00000000000c"), shoes, 5000, "EUR")
	onlyShoes := fixed(500)
	onlyShoes.CategoryIDs = []uuid.UUID{shoes}
	onlyBolt := percent(1000, 0)
	onlyBolt.SupplierIDs = []uuid.UUID{bolt}
	acmePays := fixed(5000)
	acmePays.FundedBy, acmePays.SupplierIDs = domain.FundedBySupplier, []uuid.UUID{acme}
	minimum := fixed(500)
	minimum.MinimumSpend = money.MustNew(3001, "USD")
	ownStore := fixed(500)
	ownStore.Channel = domain.OwnStore
	tests := []struct {
		name    string
		c       domain.Campaign
		channel string
		lines   []domain.Line
		now     time.Time
		want    []int64 // per draft, in Split's order: acme physical, bolt physical (by supplier id)
		reason  string
	}{
		{name: "fixed below the goods", c: fixed(500), lines: []domain.Line{one(acmeShoes, 1)}, want: []int64{500}},
		{name: "fixed above the goods takes only the goods", c: fixed(5000), lines: []domain.Line{one(acmeShoes, 1)}, want: []int64{1000}},
		// 1000 over 1000 : 2000 is 333.33 : 666.66; the unit left goes to
		// the larger (bolt).
		{name: "fixed shared pro rata, remainder to the largest", c: fixed(1000), lines: []domain.Line{one(acmeShoes, 1), one(boltShoes, 1)}, want: []int64{333, 667}},
		{name: "fixed shared over equal drafts, remainder to the first", c: fixed(1001), lines: []domain.Line{one(acmeShoes, 1), one(good(bolt, shoes, 1000, "USD"), 1)}, want: []int64{501, 500}},
		// 10 % of 333 is 33.3 → 33; 12.5 % of 1000 etc. below.
		{name: "percentage rounds half-even down", c: percent(1000, 0), lines: []domain.Line{one(acmeHats, 1)}, want: []int64{33}},
		// 5 % of 1010 is 50.5 → 50 (even); of 1030, 51.5 → 52.
		{name: "percentage ties go to even (down)", c: percent(500, 0), lines: []domain.Line{one(good(acme, hats, 1010, "USD"), 1)}, want: []int64{50}},
		{name: "percentage ties go to even (up)", c: percent(500, 0), lines: []domain.Line{one(good(acme, hats, 1030, "USD"), 1)}, want: []int64{52}},
		{name: "percentage per draft", c: percent(1500, 0), lines: []domain.Line{one(acmeHats, 3), one(boltShoes, 1)}, want: []int64{150, 300}},
		{name: "percentage capped, the cap shared pro rata", c: percent(5000, 100), lines: []domain.Line{one(acmeShoes, 1), one(boltShoes, 1)}, want: []int64{33, 67}},
		{name: "cap above the percentage changes nothing", c: percent(1000, 10000), lines: []domain.Line{one(acmeShoes, 1), one(boltShoes, 1)}, want: []int64{100, 200}},
		{name: "100 % takes the goods, no more", c: percent(10000, 0), lines: []domain.Line{one(acmeHats, 2)}, want: []int64{666}},
		{name: "category filter", c: onlyShoes, lines: []domain.Line{one(acmeHats, 10), one(boltShoes, 1)}, want: []int64{0, 500}},
		{name: "category filter within a draft", c: onlyShoes, lines: []domain.Line{one(acmeHats, 10), one(acmeShoes, 1)}, want: []int64{500}},
		{name: "supplier filter", c: onlyBolt, lines: []domain.Line{one(acmeShoes, 1), one(boltShoes, 1)}, want: []int64{0, 200}},
		{name: "supplier-funded discounts only its supplier's goods", c: acmePays, lines: []domain.Line{one(acmeShoes, 1), one(acmeHats, 1), one(boltShoes, 1)}, want: []int64{1333, 0}},
		{name: "goods in another currency are not discounted", c: fixed(5000), lines: []domain.Line{one(acmeShoes, 1), one(euroShoes, 1)}, want: []int64{1000, 0}},
		{name: "minimum spend met exactly", c: minimum, lines: []domain.Line{one(acmeShoes, 1), one(boltShoes, 1), one(good(bolt, hats, 1, "USD"), 1)}, want: []int64{166, 334}},
		// 5 % of 0.09 is 0.0045: nothing off, so the coupon is not spent.
		{name: "a percentage that takes nothing off", c: percent(500, 0), lines: []domain.Line{one(good(acme, hats, 9, "USD"), 1)}, reason: "COUPON_NOT_APPLICABLE"},
		{name: "only goods in another currency", c: fixed(500), lines: []domain.Line{one(euroShoes, 1)}, reason: "COUPON_NOT_APPLICABLE"},
		{name: "no goods of its categories", c: onlyShoes, lines: []domain.Line{one(acmeHats, 1)}, reason: "COUPON_NOT_APPLICABLE"},
		{name: "supplier-funded, other supplier's goods", c: acmePays, lines: []domain.Line{one(boltShoes, 1)}, reason: "COUPON_NOT_APPLICABLE"},
		{name: "below the minimum (ineligible goods do not count)", c: minimum, lines: []domain.Line{one(acmeShoes, 1), one(boltShoes, 1), one(euroShoes, 1)}, reason: "COUPON_BELOW_MINIMUM"},
		{name: "not yet valid", c: fixed(500), lines: []domain.Line{one(acmeShoes, 1)}, now: couponFrom.Add(-time.Second), reason: "COUPON_NOT_YET_VALID"},
		{name: "valid from its first instant", c: fixed(500), lines: []domain.Line{one(acmeShoes, 1)}, now: couponFrom, want: []int64{500}},
		{name: "expired at valid_until", c: fixed(500), lines: []domain.Line{one(acmeShoes, 1)}, now: couponUntil, reason: "COUPON_EXPIRED"},
		{name: "wrong channel", c: ownStore, channel: domain.MerchantChannel, lines: []domain.Line{one(acmeShoes, 1)}, reason: "COUPON_WRONG_CHANNEL"},
		{name: "its channel", c: ownStore, channel: domain.OwnStore, lines: []domain.Line{one(acmeShoes, 1)}, want: []int64{500}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.now.IsZero() {
				tt.now = duringCampaign
			}
			if tt.channel == "" {
				tt.channel = domain.OwnStore
			}
			drafts := basket(t, tt.lines...)
			got, err := domain.CouponDiscounts(tt.c, tt.channel, drafts, tt.now)
			if tt.reason != "" {
				var e *apperr.Error
				if !errors.As(err, &e) || e.Kind != apperr.KindFailedPrecondition || e.Reason != tt.reason {
					t.Fatalf("error %v, want FAILED_PRECONDITION %s", err, tt.reason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var amounts []int64
			for i, m := range got {
				amounts = append(amounts, m.Amount)
				if m.Currency != drafts[i].Goods.Currency {
					t.Errorf("draft %d: discount in %s, goods in %s", i, m.Currency, drafts[i].Goods.Currency)
				}
				if m.Amount > drafts[i].Goods.Amount || m.Amount < 0 {
					t.Errorf("draft %d: discount %d outside [0, goods %d]", i, m.Amount, drafts[i].Goods.Amount)
				}
			}
			if !slices.Equal(amounts, tt.want) {
				t.Errorf("discounts %v, want %v", amounts, tt.want)
			}
		})
	}
}

func TestBelowMinimumSaysTheMinimum(t *testing.T) {
	c := fixed(500)
	c.MinimumSpend = money.MustNew(5000, "USD")
	_, err := domain.CouponDiscounts(c, domain.OwnStore, basket(t, one(good(acme, shoes, 1000, "USD"), 1)), duringCampaign)
	var e *apperr.Error
	if !errors.As(err, &e) || e.Metadata["minimum_spend"] != "50.00" || e.Metadata["currency_code"] != "USD" || e.Metadata["eligible_total"] != "10.00" {
		t.Fatalf("error %v (metadata %v), want the minimum 50.00 USD and the eligible 10.00", err, e.Metadata)
	}
}

// A fixed amount or a cap shared over many drafts always adds up to
// exactly what it takes off, and no draft is discounted more than its
// eligible goods, whatever the shares' rounding leaves.
func TestSharesAddUpExactly(t *testing.T) {
	prices := []int64{1, 1, 1, 7, 13, 999, 1000, 3, 2, 5}
	for _, amount := range []int64{1, 2, 3, 10, 17, 100, 1000, 2031, 2032, 5000} {
		var lines []domain.Line
		for i, p := range prices {
			supplier := uuid.MustParse("00000000-0000-0000-0000-0000000001" + string(rune('0'+i/10)) + string(rune('0'+i%10)))
			lines = append(lines, one(good(supplier, shoes, p, "USD"), 1))
		}
		for _, c := range []domain.Campaign{fixed(amount), percent(10000, amount)} {
			drafts := basket(t, lines...)
			got, err := domain.CouponDiscounts(c, domain.OwnStore, drafts, duringCampaign)
			if err != nil {
				t.Fatal(err)
			}
			var sum, goods int64
			for i, m := range got {
				sum += m.Amount
				goods += drafts[i].Goods.Amount
				if m.Amount > drafts[i].Goods.Amount || m.Amount < 0 {
					t.Errorf("%s %d: draft %d discounted %d of %d", c.Kind, amount, i, m.Amount, drafts[i].Goods.Amount)
				}
			}
			if want := min(amount, goods); sum != want {
				t.Errorf("%s %d: parts add up to %d, want %d (%v)", c.Kind, amount, sum, want, got)
			}
		}
	}
}

func TestCampaignValidation(t *testing.T) {
	tests := []struct {
		name string
		edit func(*domain.Campaign)
		want []string
	}{
		{name: "valid fixed", edit: func(*domain.Campaign) {}},
		{name: "valid percentage with a cap", edit: func(c *domain.Campaign) { *c = percent(2500, 1000) }},
		{name: "valid supplier-funded", edit: func(c *domain.Campaign) {
			c.FundedBy, c.SupplierIDs = domain.FundedBySupplier, []uuid.UUID{acme}
		}},
		{name: "nameless", edit: func(c *domain.Campaign) { c.Name = "  " }, want: []string{"name"}},
		{name: "unknown currency", edit: func(c *domain.Campaign) { c.Currency = "ABC" }, want: []string{"currency_code"}},
		{name: "amount in another currency", edit: func(c *domain.Campaign) { c.Amount = money.MustNew(100, "EUR") }, want: []string{"amount.currency_code"}},
		{name: "zero amount", edit: func(c *domain.Campaign) { c.Amount.Amount = 0 }, want: []string{"amount.amount_minor"}},
		{name: "percent on a fixed campaign", edit: func(c *domain.Campaign) { c.PercentBPS = 10 }, want: []string{"percent_bps"}},
		{name: "percentage of 0", edit: func(c *domain.Campaign) { *c = percent(0, 0) }, want: []string{"percent_bps"}},
		{name: "percentage above 100 %", edit: func(c *domain.Campaign) { *c = percent(10001, 0) }, want: []string{"percent_bps"}},
		{name: "cap in another currency", edit: func(c *domain.Campaign) {
			*c = percent(100, 0)
			m := money.MustNew(5, "JPY")
			c.Cap = &m
		}, want: []string{"cap.currency_code"}},
		{name: "negative minimum", edit: func(c *domain.Campaign) { c.MinimumSpend.Amount = -1 }, want: []string{"minimum_spend.amount_minor"}},
		{name: "ends when it starts", edit: func(c *domain.Campaign) { c.ValidUntil = c.ValidFrom }, want: []string{"valid_until"}},
		{name: "ends before it starts", edit: func(c *domain.Campaign) { c.ValidUntil = c.ValidFrom.Add(-time.Hour) }, want: []string{"valid_until"}},
		{name: "no start", edit: func(c *domain.Campaign) { c.ValidFrom = time.Time{} }, want: []string{"valid_from"}},
		{name: "category twice", edit: func(c *domain.Campaign) { c.CategoryIDs = []uuid.UUID{shoes, hats, shoes} }, want: []string{"category_ids[2]"}},
		{name: "supplier-funded without its supplier", edit: func(c *domain.Campaign) { c.FundedBy = domain.FundedBySupplier }, want: []string{"supplier_ids"}},
		{name: "supplier-funded by two", edit: func(c *domain.Campaign) {
			c.FundedBy, c.SupplierIDs = domain.FundedBySupplier, []uuid.UUID{acme, bolt}
		}, want: []string{"supplier_ids"}},
		{name: "no funder, no channel, no kind", edit: func(c *domain.Campaign) { c.FundedBy, c.Channel, c.Kind = "", "partner", "" },
			want: []string{"kind", "funded_by", "channel"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := fixed(500)
			tt.edit(&c)
			err := c.Validate()
			if got := violated(err); !slices.Equal(got, tt.want) {
				t.Errorf("violations %v (%v), want %v", got, err, tt.want)
			}
		})
	}
}

func TestCheckIssuance(t *testing.T) {
	ann, org := domain.Holder{Kind: domain.HolderUser, ID: uuid.New()}, domain.Holder{Kind: domain.HolderOrganization, ID: uuid.New()}
	ownStore, merchants := fixed(100), fixed(100)
	ownStore.Channel, merchants.Channel = domain.OwnStore, domain.MerchantChannel
	tests := []struct {
		name    string
		c       domain.Campaign
		id      string
		holders []domain.Holder
		want    []string
	}{
		{name: "any channel, both kinds", c: fixed(100), id: "x", holders: []domain.Holder{ann, org}},
		{name: "no id", c: fixed(100), holders: []domain.Holder{ann}, want: []string{"issuance_id"}},
		{name: "no holders", c: fixed(100), id: "x", want: []string{"holders"}},
		{name: "twice", c: fixed(100), id: "x", holders: []domain.Holder{ann, org, ann}, want: []string{"holders[2]"}},
		{name: "nil id", c: fixed(100), id: "x", holders: []domain.Holder{{Kind: domain.HolderUser}}, want: []string{"holders[0].id"}},
		{name: "own store to an organization", c: ownStore, id: "x", holders: []domain.Holder{ann, org}, want: []string{"holders[1].kind"}},
		{name: "merchant to a user", c: merchants, id: "x", holders: []domain.Holder{ann, org}, want: []string{"holders[0].kind"}},
		{name: "too many", c: fixed(100), id: "x", holders: make([]domain.Holder, domain.MaxIssuance+1), want: []string{"holders"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := violated(domain.CheckIssuance(tt.c, tt.id, tt.holders))
			if len(got) > 1 && tt.name == "too many" {
				got = got[:1]
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("violations %v, want %v", got, tt.want)
			}
		})
	}
}

// A draft's discount is spread over the lines its campaign covers, pro rata
// to their goods, adding up to it; a line it does not cover carries none.
func TestLineDiscounts(t *testing.T) {
	shoe, hat := good(acme, shoes, 1000, "USD"), good(acme, hats, 333, "USD")
	onlyShoes := fixed(500)
	onlyShoes.CategoryIDs = []uuid.UUID{shoes}
	for _, tt := range []struct {
		name     string
		c        domain.Campaign
		lines    []domain.Line
		discount int64
		want     []int64
	}{
		{"the covered line alone", onlyShoes, []domain.Line{one(hat, 3), one(shoe, 1)}, 500, []int64{0, 500}},
		{"every line covered, pro rata", fixed(100), []domain.Line{one(hat, 3), one(shoe, 1)}, 100, []int64{49, 51}},
		{"the units left by rounding go to the largest", percent(1000, 0), []domain.Line{one(hat, 1), one(shoe, 2)}, 233, []int64{33, 200}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			drafts := basket(t, tt.lines...)
			got, err := domain.LineDiscounts(tt.c, drafts[0], tt.discount)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("line discounts %v, want %v", got, tt.want)
			}
		})
	}
}
