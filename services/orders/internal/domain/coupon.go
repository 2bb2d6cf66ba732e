package domain

import (
	"cmp"
	"crypto/sha256"
	"errors"
	"math/big"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
)

// HolderKind says whose a coupon is.
type HolderKind string

// The holder kinds: a person's account (a buyer), or an organization (a
// merchant), whose members all see and may use it.
const (
	HolderUser         HolderKind = "user"
	HolderOrganization HolderKind = "organization"
)

// Holder is the account a coupon was issued to.
type Holder struct {
	Kind HolderKind
	ID   uuid.UUID
}

// UserHolder is the holder a signed-in person's own coupons have. A subject
// that is no user id holds nothing: its holder matches no coupon.
func UserHolder(subject string) Holder {
	id, _ := uuid.Parse(subject)
	return Holder{Kind: HolderUser, ID: id}
}

// CouponStatus is whether a coupon can still be used.
type CouponStatus string

// The coupon statuses.
const (
	CouponAvailable CouponStatus = "available"
	CouponRedeemed  CouponStatus = "redeemed"
)

// Coupon is one holder's right to a campaign's discount, once. OrderID and
// RedeemedAt are set while it is redeemed; an order cancelled gives it back.
type Coupon struct {
	ID         uuid.UUID
	CampaignID uuid.UUID
	Holder     Holder
	Status     CouponStatus
	OrderID    *uuid.UUID
	RedeemedAt *time.Time
	IssuanceID string
	IssuedAt   time.Time
}

// Issuance is one IssueCoupons command: its coupons, in the holders' order,
// under the client's id. Fingerprint identifies the command's parameters,
// so a retry can be told from another command reusing the id.
type Issuance struct {
	ID          string
	CampaignID  uuid.UUID
	Fingerprint []byte
	IssuedBy    string
	IssuedAt    time.Time
	CouponIDs   []uuid.UUID
}

// Fingerprint identifies an issuance's parameters: its campaign and its
// holders in order.
func Fingerprint(campaignID uuid.UUID, holders []Holder) []byte {
	h := sha256.New()
	h.Write(campaignID[:])
	for _, x := range holders {
		h.Write([]byte(x.Kind))
		h.Write(x.ID[:])
	}
	return h.Sum(nil)
}

// MaxIssuance bounds the holders of one issuance: a segment is issued in
// one transaction.
const MaxIssuance = 10000

// CheckIssuance validates an issuance's id and holders: 1 to 10,000, each a
// known kind and a UUID, none twice, and each one the campaign's channel
// serves (own-store coupons go to people, merchant coupons to
// organizations).
func CheckIssuance(c Campaign, id string, holders []Holder) error {
	var v apperr.Violations
	if id == "" || !printableKey(id) {
		v.Add("issuance_id", "must be 1 to 64 printable characters: a retry with the same id issues nothing new")
	}
	if len(holders) == 0 || len(holders) > MaxIssuance {
		v.Add("holders", "needs 1 to 10000 holders")
	}
	seen := map[Holder]int{}
	for i, h := range holders {
		switch {
		case h.Kind != HolderUser && h.Kind != HolderOrganization:
			v.Add(apperr.Index("holders", i, "kind"), "must be USER or ORGANIZATION")
		case h.ID == uuid.Nil:
			v.Add(apperr.Index("holders", i, "id"), "must be a UUID")
		case c.Channel == OwnStore && h.Kind != HolderUser:
			v.Add(apperr.Index("holders", i, "kind"), "own-store coupons go to users (buyers)")
		case c.Channel == MerchantChannel && h.Kind != HolderOrganization:
			v.Add(apperr.Index("holders", i, "kind"), "merchant coupons go to organizations (merchants)")
		default:
			if j, twice := seen[h]; twice {
				v.Add(apperr.Index("holders", i, ""), "repeats holders["+strconv.Itoa(j)+"]")
			}
			seen[h] = i
		}
	}
	return v.Err()
}

// AccountKind is what an account found for a holder is.
type AccountKind string

// The account kinds: a person, a supplier's or a merchant's organization.
const (
	AccountUser     AccountKind = "user"
	AccountSupplier AccountKind = "supplier"
	AccountMerchant AccountKind = "merchant"
)

// CheckHolders refuses an issuance's holders that are no account (found
// holds the accounts found among them), and merchant coupons to an
// organization that is not a merchant: a coupon nobody can use is an
// operator's typo, better refused than issued.
func CheckHolders(c Campaign, holders []Holder, found map[Holder]AccountKind) error {
	var v apperr.Violations
	for i, h := range holders {
		kind, ok := found[h]
		switch {
		case !ok && h.Kind == HolderUser:
			v.Add(apperr.Index("holders", i, "id"), "is no user")
		case !ok:
			v.Add(apperr.Index("holders", i, "id"), "is no organization")
		case c.Channel == MerchantChannel && kind != AccountMerchant:
			v.Add(apperr.Index("holders", i, "id"), "is not a merchant's organization: merchant coupons go to merchants")
		}
	}
	return v.Err()
}

// Reasons a coupon does not apply to an order, for clients to branch on.
var (
	ErrCouponNotYetValid   = apperr.FailedPrecondition("the coupon's campaign has not started yet").WithReason("COUPON_NOT_YET_VALID")
	ErrCouponExpired       = apperr.FailedPrecondition("the coupon's campaign has ended").WithReason("COUPON_EXPIRED")
	ErrCouponWrongChannel  = apperr.FailedPrecondition("the coupon does not work in this channel").WithReason("COUPON_WRONG_CHANNEL")
	ErrCouponNotApplicable = apperr.FailedPrecondition("the coupon applies to none of the order's goods, or takes nothing off them").
				WithReason("COUPON_NOT_APPLICABLE")
	ErrCouponBelowMinimum = apperr.FailedPrecondition("the order's eligible goods are below the coupon's minimum spend").
				WithReason("COUPON_BELOW_MINIMUM")
)

// CouponDiscounts is what a campaign's coupon takes off each draft's goods
// (in the drafts' order, each in its draft's currency; zero where nothing
// is eligible) in an order of channel at now.
//
// A coupon that would take nothing off (a percentage of eligible goods
// rounding to zero) is COUPON_NOT_APPLICABLE, as one with no eligible goods.
//
// Eligible goods are the lines the campaign's categories and suppliers
// cover in drafts priced in its currency. A fixed amount takes min(amount,
// eligible total), a percentage takes each draft's eligible goods × bps,
// rounded half-even, up to the cap; a fixed amount or a cap is shared over
// the drafts pro rata to their eligible goods (see share), so the parts add
// up to it exactly and none exceeds its draft's eligible goods.
func CouponDiscounts(c Campaign, channel string, drafts []SubOrderDraft, now time.Time) ([]money.Money, error) {
	switch {
	case now.Before(c.ValidFrom):
		return nil, ErrCouponNotYetValid.WithMetadata("valid_from", c.ValidFrom.Format(time.RFC3339))
	case c.Ended(now):
		return nil, ErrCouponExpired.WithMetadata("valid_until", c.ValidUntil.Format(time.RFC3339))
	case !c.Redeemable(channel):
		return nil, ErrCouponWrongChannel.WithMetadata("channel", c.Channel)
	}
	eligible := make([]int64, len(drafts))
	total := money.Money{Currency: c.Currency}
	for i, d := range drafts {
		for _, l := range d.Lines {
			amount, err := c.covered(l)
			if err != nil {
				return nil, err
			}
			eligible[i] += amount.Amount
			if total, err = total.Add(amount); err != nil {
				return nil, err
			}
		}
	}
	if total.Amount == 0 {
		return nil, ErrCouponNotApplicable
	}
	if total.Amount < c.MinimumSpend.Amount {
		return nil, ErrCouponBelowMinimum.WithMetadata("minimum_spend", c.MinimumSpend.Decimal()).
			WithMetadata("currency_code", c.Currency).WithMetadata("eligible_total", total.Decimal())
	}
	var parts []int64
	switch c.Kind {
	case FixedAmount:
		parts = share(min(c.Amount.Amount, total.Amount), eligible)
	case Percentage:
		parts = make([]int64, len(drafts))
		var sum int64
		for i, e := range eligible {
			off, err := money.FromRat(new(big.Rat).Mul(big.NewRat(e, 1), big.NewRat(c.PercentBPS, FullPercent)), c.Currency, money.HalfEven)
			if err != nil {
				return nil, err
			}
			parts[i] = off.Amount
			sum += off.Amount
		}
		if c.Cap != nil && sum > c.Cap.Amount {
			parts = share(c.Cap.Amount, eligible)
		}
	default:
		// Validate and the table's CHECK let no other kind in.
		return nil, errors.New("coupon campaign " + c.ID.String() + " has the unknown kind " + strconv.Quote(string(c.Kind)))
	}
	var off int64
	for _, p := range parts {
		off += p
	}
	if off == 0 {
		// A percentage of eligible goods worth less than half a minor
		// unit: redeemed, the coupon would be spent on nothing (and the
		// order, carrying no discount, would not name it).
		return nil, ErrCouponNotApplicable.WithMetadata("eligible_total", total.Decimal()).WithMetadata("currency_code", c.Currency)
	}
	out := make([]money.Money, len(drafts))
	for i, d := range drafts {
		out[i] = money.Money{Amount: parts[i], Currency: d.Goods.Currency}
	}
	return out, nil
}

// LineDiscounts spreads a draft's discount (CouponDiscounts) over the
// draft's lines the campaign covers, pro rata to their goods (see share):
// the parts add up to the discount, and a line the coupon did not cover
// carries none. A return then refunds a line's goods less its own part.
func LineDiscounts(c Campaign, d SubOrderDraft, discount int64) ([]int64, error) {
	eligible := make([]int64, len(d.Lines))
	for i, l := range d.Lines {
		amount, err := c.covered(l)
		if err != nil {
			return nil, err
		}
		eligible[i] = amount.Amount
	}
	return share(discount, eligible), nil
}

// covered is the part of a line's goods the campaign discounts: all of
// them when it covers the line's SKU, none (in its currency) otherwise.
func (c Campaign) covered(l Line) (money.Money, error) {
	if !c.Eligible(l.SKU) {
		return money.Money{Currency: c.Currency}, nil
	}
	return l.Amount()
}

// share divides amount (at most the weights' sum) over the weights pro
// rata, each part rounded down; the units the rounding left go to the
// largest weight (the first of equals), and past its own weight to the
// next largest, so the parts add up to amount and none exceeds its weight.
func share(amount int64, weights []int64) []int64 {
	parts := make([]int64, len(weights))
	var total big.Int
	for _, w := range weights {
		total.Add(&total, big.NewInt(w))
	}
	left := amount
	for i, w := range weights {
		if w == 0 {
			continue
		}
		// amount × w ÷ total fits an int64 (it is at most w), but amount × w
		// may not.
		p := new(big.Int).Mul(big.NewInt(amount), big.NewInt(w))
		parts[i] = p.Quo(p, &total).Int64()
		left -= parts[i]
	}
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(weights[b], weights[a]) })
	for _, i := range order {
		if left == 0 {
			break
		}
		more := min(left, weights[i]-parts[i])
		parts[i] += more
		left -= more
	}
	return parts
}
