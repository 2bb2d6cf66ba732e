package domain

import (
	"regexp"
	"strings"

	"github.com/crossdock/crossdock/pkg/apperr"
)

var tierCode = regexp.MustCompile(`^[a-z0-9-]{2,32}$`)

// MerchantTier prices a merchant's purchases; a higher rank is a better tier,
// and no two tiers share a rank.
type MerchantTier struct {
	Code string
	Name string
	Rank int32
}

// NewMerchantTier validates a tier (fields "tier.code", "tier.name",
// "tier.rank"). Ranks start at 1 so an unset rank is caught.
func NewMerchantTier(code, name string, rank int32) (MerchantTier, error) {
	var v violations
	code = strings.TrimSpace(code)
	if !tierCode.MatchString(code) {
		v.Add("tier.code", "must be 2 to 32 lower-case letters, digits or dashes")
	}
	name = apperr.CheckText(&v, "tier.name", name, 1, 100)
	if rank < 1 {
		v.Add("tier.rank", "must be at least 1")
	}
	if err := v.Err(); err != nil {
		return MerchantTier{}, err
	}
	return MerchantTier{Code: code, Name: name, Rank: rank}, nil
}

// ValidTierCode reports whether code is shaped like a tier code.
func ValidTierCode(code string) bool { return tierCode.MatchString(code) }
