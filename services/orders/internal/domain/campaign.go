package domain

import (
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
)

// CampaignKind is what a campaign's coupons take off.
type CampaignKind string

// The campaign kinds.
const (
	FixedAmount CampaignKind = "fixed_amount"
	Percentage  CampaignKind = "percentage"
)

// Funder is who bears a campaign's discounts.
type Funder string

// The funders. A supplier funds discounts only on its own goods, so a
// supplier-funded campaign names exactly that supplier.
const (
	FundedByPlatform Funder = "platform"
	FundedBySupplier Funder = "supplier"
)

// The channels a campaign's coupons may be redeemed through, beside
// OwnStore: merchants' orders, or any channel.
const (
	MerchantChannel = "merchant"
	AnyChannel      = "any"
)

// Limits of a campaign's terms.
const (
	MaxCampaignNameLength = 200
	// MaxCampaignFilter bounds the categories or suppliers one campaign
	// names: a promotion of more is one for everything.
	MaxCampaignFilter = 1000
	// FullPercent is 100 % in basis points.
	FullPercent = 10000
)

// Campaign is a promotion operators run: the terms every coupon issued from
// it carries. Amounts are in the campaign's currency, and only goods priced
// in that currency are discounted: converting a discount would make its
// value depend on the day's rate.
type Campaign struct {
	ID       uuid.UUID
	Name     string
	Kind     CampaignKind
	Currency string
	// Amount is a FixedAmount campaign's discount.
	Amount money.Money
	// PercentBPS is a Percentage campaign's discount in basis points; Cap,
	// when set, the most one coupon takes off.
	PercentBPS int64
	Cap        *money.Money
	// MinimumSpend is the eligible goods' total an order needs (may be 0).
	MinimumSpend money.Money
	// The coupons work in [ValidFrom, ValidUntil).
	ValidFrom, ValidUntil time.Time
	// CategoryIDs and SupplierIDs limit the eligible goods; empty is all.
	CategoryIDs, SupplierIDs []uuid.UUID
	FundedBy                 Funder
	// Channel is OwnStore, MerchantChannel or AnyChannel.
	Channel   string
	CreatedBy string
	CreatedAt time.Time
}

// SameTerms reports that two campaigns say the same thing, whoever made
// them and when: a retried create.
func (c Campaign) SameTerms(o Campaign) bool {
	norm := func(c Campaign) Campaign {
		c.ID, c.CreatedBy, c.CreatedAt = uuid.Nil, "", time.Time{}
		c.ValidFrom, c.ValidUntil = c.ValidFrom.UTC(), c.ValidUntil.UTC()
		if len(c.CategoryIDs) == 0 {
			c.CategoryIDs = nil
		}
		if len(c.SupplierIDs) == 0 {
			c.SupplierIDs = nil
		}
		return c
	}
	return reflect.DeepEqual(norm(c), norm(o))
}

// Validate checks a campaign's terms as an operator wrote them, naming
// every bad field the way CreateCampaignRequest names it.
func (c Campaign) Validate() error {
	var v apperr.Violations
	if strings.TrimSpace(c.Name) == "" || utf8.RuneCountInString(c.Name) > MaxCampaignNameLength || !utf8.ValidString(c.Name) {
		v.Add("name", "is required (at most 200 characters)")
	}
	currency := money.ValidCurrency(c.Currency)
	if !currency {
		v.Add("currency_code", "must be an ISO 4217 code such as USD")
	}
	inCurrency := func(field string, m money.Money) bool {
		if currency && m.Currency != c.Currency {
			v.Add(field+".currency_code", "must be the campaign's currency "+c.Currency)
			return false
		}
		return currency
	}
	switch c.Kind {
	case FixedAmount:
		if inCurrency("amount", c.Amount) && c.Amount.Amount <= 0 {
			v.Add("amount.amount_minor", "must be above zero")
		}
		if c.PercentBPS != 0 {
			v.Add("percent_bps", "is for percentage campaigns only")
		}
		if c.Cap != nil {
			v.Add("cap", "is for percentage campaigns only")
		}
	case Percentage:
		if c.PercentBPS < 1 || c.PercentBPS > FullPercent {
			v.Add("percent_bps", "must be between 1 and 10000 (0.01 % to 100 %)")
		}
		if c.Cap != nil && inCurrency("cap", *c.Cap) && c.Cap.Amount <= 0 {
			v.Add("cap.amount_minor", "must be above zero (leave the cap out for none)")
		}
		if c.Amount != (money.Money{}) {
			v.Add("amount", "is for fixed-amount campaigns only")
		}
	default:
		v.Add("kind", "must be FIXED_AMOUNT or PERCENTAGE")
	}
	if inCurrency("minimum_spend", c.MinimumSpend) && c.MinimumSpend.Amount < 0 {
		v.Add("minimum_spend.amount_minor", "must not be negative")
	}
	switch {
	case c.ValidFrom.IsZero():
		v.Add("valid_from", "is required")
	case c.ValidUntil.IsZero():
		v.Add("valid_until", "is required")
	case !c.ValidUntil.After(c.ValidFrom):
		v.Add("valid_until", "must be after valid_from")
	}
	checkIDs(&v, "category_ids", c.CategoryIDs)
	checkIDs(&v, "supplier_ids", c.SupplierIDs)
	switch c.FundedBy {
	case FundedByPlatform:
	case FundedBySupplier:
		if len(c.SupplierIDs) != 1 {
			v.Add("supplier_ids", "a supplier-funded campaign names exactly one supplier, whose goods alone it discounts")
		}
	default:
		v.Add("funded_by", "must be PLATFORM or SUPPLIER")
	}
	if !slices.Contains([]string{OwnStore, MerchantChannel, AnyChannel}, c.Channel) {
		v.Add("channel", "must be OWN_STORE, MERCHANT or ANY")
	}
	return v.Err()
}

// checkIDs refuses a filter list that is too long, holds the nil id or
// names one id twice.
func checkIDs(v *apperr.Violations, field string, ids []uuid.UUID) {
	if len(ids) > MaxCampaignFilter {
		v.Add(field, "at most 1000 ids")
		return
	}
	seen := map[uuid.UUID]bool{}
	for i, id := range ids {
		switch {
		case id == uuid.Nil:
			v.Add(apperr.Index(field, i, ""), "must not be the nil UUID")
		case seen[id]:
			v.Add(apperr.Index(field, i, ""), "is named twice")
		}
		seen[id] = true
	}
}

// Eligible reports whether a SKU's goods are discounted by the campaign:
// of one of its categories and suppliers (when it names any), and priced in
// its currency.
func (c Campaign) Eligible(sku SKU) bool {
	return sku.Price.Currency == c.Currency &&
		(len(c.CategoryIDs) == 0 || slices.Contains(c.CategoryIDs, sku.CategoryID)) &&
		(len(c.SupplierIDs) == 0 || slices.Contains(c.SupplierIDs, sku.SupplierID))
}

// Ended reports the campaign's coupons no longer work at now.
func (c Campaign) Ended(now time.Time) bool { return !now.Before(c.ValidUntil) }

// Redeemable reports the campaign's coupons work through channel.
func (c Campaign) Redeemable(channel string) bool {
	return c.Channel == AnyChannel || c.Channel == channel
}
