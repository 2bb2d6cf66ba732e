package domain

import (
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
)

// Limits of a parcel given as SKU lines.
const (
	MaxLines    = 500 // the catalog's batch limit
	MaxQuantity = 1_000_000
)

// SkuLine is a quantity of one catalog SKU.
type SkuLine struct {
	SkuID    string
	Quantity int64
}

// SkuInfo is what the catalog says of a SKU, as far as freight is concerned.
type SkuInfo struct {
	ID         string
	WeightG    int64
	Dimensions Dimensions
	// Price is the retail price of one unit.
	Price money.Money
	// OriginCountry and OriginRegion are where the SKU ships from.
	OriginCountry, OriginRegion string
	// SupplierID is the organization that sells the SKU.
	SupplierID string
	// OnSale: the product is listed and its live revision sells the SKU, so
	// anyone may see its figures.
	OnSale bool
	// Deleted: the product is in the catalog's bin.
	Deleted bool
}

// ValidateLines checks the shape of SKU lines, reporting bad fields under
// "lines.lines[i]".
func ValidateLines(lines []SkuLine) error {
	var v violations
	switch {
	case len(lines) == 0:
		v.Add("lines.lines", "must list at least one SKU")
	case len(lines) > MaxLines:
		v.Add("lines.lines", fmt.Sprintf("must list at most %d SKUs", MaxLines))
	}
	for i, l := range lines {
		f := fmt.Sprintf("lines.lines[%d]", i)
		if strings.TrimSpace(l.SkuID) == "" {
			v.Add(f+".sku_id", "is required")
		}
		switch {
		case l.Quantity <= 0:
			v.Add(f+".quantity", "must be positive")
		case l.Quantity > MaxQuantity:
			v.Add(f+".quantity", "is too large")
		}
	}
	return v.Err()
}

// SkuKey is the form of a SKU id the catalog answers with (lower case,
// hyphenated), whatever form of it a caller sent: looked up by the id as
// sent, a SKU asked for as "0190ABCD…" or without its hyphens was not
// found among the catalog's answers.
func SkuKey(id string) string {
	id = strings.TrimSpace(id)
	if u, err := uuid.Parse(id); err == nil {
		return u.String()
	}
	return id
}

// LineSum is a parcel summed from SKU lines before its value is converted: the
// value is kept per currency, so each currency is converted once.
type LineSum struct {
	VolumeCM3 int64
	WeightG   int64
	// Values are the summed prices per currency, in minor units.
	Values map[string]int64
	// Origin is the SKUs' shipping origin (only the origin half is set)
	// when they share one; SeveralOrigins when they do not.
	Origin         Route
	SeveralOrigins bool
}

// OneOrigin returns the SKUs' one shipping origin (as the catalogue has it,
// which the route's check may still refuse): ErrSeveralOrigins when they
// ship from more than one, for a route that names none. A route that names
// its origin needs none of theirs.
func (s LineSum) OneOrigin() (Route, error) {
	if s.SeveralOrigins {
		return Route{}, ErrSeveralOrigins
	}
	return s.Origin, nil
}

// Errors of a parcel given as SKU lines.
var (
	ErrSeveralOrigins = apperr.FailedPrecondition("the SKUs ship from more than one origin; estimate each origin's parcel apart or name the origin").WithReason("SEVERAL_ORIGINS")
	ErrNoFreightData  = apperr.FailedPrecondition("a SKU lacks the weight, dimensions or price freight needs").WithReason("SKU_WITHOUT_FREIGHT_DATA")
)

// SumLines sums SKU lines into a parcel per DOMAIN.md: volume = Σ L·W·H ×
// quantity (mm³, rounded up to whole cm³), weight = Σ weight × quantity, value
// = Σ price × quantity per currency. Every SKU must be known (an unknown id is
// an InvalidArgument on its line) and all must share one origin.
func SumLines(lines []SkuLine, skus map[string]SkuInfo) (LineSum, error) {
	var v violations
	mm3 := new(big.Int)
	weight := new(big.Int)
	values := map[string]*big.Int{}
	origins := map[[2]string]bool{}
	for i, l := range lines {
		info, ok := skus[SkuKey(l.SkuID)]
		if !ok {
			v.Add(fmt.Sprintf("lines.lines[%d].sku_id", i), "is not a known SKU")
			continue
		}
		d := info.Dimensions
		if info.WeightG <= 0 || d.LengthMM <= 0 || d.WidthMM <= 0 || d.HeightMM <= 0 || !money.ValidCurrency(info.Price.Currency) || info.Price.Amount < 0 {
			return LineSum{}, ErrNoFreightData.WithMetadata("sku_id", info.ID)
		}
		q := big.NewInt(l.Quantity)
		box := new(big.Int).Mul(big.NewInt(d.LengthMM), big.NewInt(d.WidthMM))
		box.Mul(box, big.NewInt(d.HeightMM))
		mm3.Add(mm3, box.Mul(box, q))
		weight.Add(weight, new(big.Int).Mul(big.NewInt(info.WeightG), q))
		sum := values[info.Price.Currency]
		if sum == nil {
			sum = new(big.Int)
			values[info.Price.Currency] = sum
		}
		sum.Add(sum, new(big.Int).Mul(big.NewInt(info.Price.Amount), q))
		origins[[2]string{info.OriginCountry, info.OriginRegion}] = true
	}
	if err := v.Err(); err != nil {
		return LineSum{}, err
	}
	out := LineSum{Values: map[string]int64{}}
	volume := ceilInt(new(big.Rat).SetFrac(mm3, big.NewInt(1000)))
	if volume > MaxVolumeCM3 || !weight.IsInt64() || weight.Int64() > MaxWeightG {
		return LineSum{}, apperr.InvalidField("lines.lines", "add up to a parcel too large to estimate")
	}
	out.VolumeCM3, out.WeightG = volume, weight.Int64()
	for cur, sum := range values {
		if !sum.IsInt64() {
			return LineSum{}, apperr.InvalidField("lines.lines", "add up to a value too large to estimate")
		}
		out.Values[cur] = sum.Int64()
	}
	out.SeveralOrigins = len(origins) > 1
	if len(origins) == 1 {
		for o := range origins {
			out.Origin = Route{OriginCountry: o[0], OriginRegion: o[1]}
		}
	}
	return out, nil
}

// Currencies lists the currencies of the summed value, sorted.
func (s LineSum) Currencies() []string {
	out := make([]string, 0, len(s.Values))
	for c := range s.Values {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// ValueIn converts the summed value into base: each currency's sum once, at
// its rate (half-even), then added. rates holds 1 unit of each non-base
// currency in base units.
func (s LineSum) ValueIn(base string, rates map[string]money.Rate) (money.Money, error) {
	total := money.Money{Currency: base}
	for _, cur := range s.Currencies() {
		m := money.Money{Amount: s.Values[cur], Currency: cur}
		if cur != base {
			rate, ok := rates[cur]
			if !ok {
				return money.Money{}, fmt.Errorf("no rate from %s to %s", cur, base)
			}
			var err error
			if m, err = money.Convert(m, base, rate); err != nil {
				return money.Money{}, err
			}
		}
		var err error
		if total, err = total.Add(m); err != nil {
			return money.Money{}, err
		}
	}
	return total, nil
}
