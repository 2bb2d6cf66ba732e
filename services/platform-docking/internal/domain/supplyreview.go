package domain

import (
	"maps"
	"slices"
	"strings"
)

// SameContent says whether o holds what p gives the catalogue, compared as
// the catalogue keeps content: text trimmed, an empty list or map the same
// as none, SKUs in code order; fingerprints are not compared. Docking reads
// a revision waiting for review back this way to tell its own submission
// (whose answer or record was lost) from older content, which it must not
// take for the newer.
func (p ImportedProduct) SameContent(o ImportedProduct) bool {
	return strings.TrimSpace(p.Title) == strings.TrimSpace(o.Title) &&
		strings.TrimSpace(p.Description) == strings.TrimSpace(o.Description) &&
		slices.Equal(trimmed(p.Images), trimmed(o.Images)) &&
		slices.EqualFunc(skusByCode(p.SKUs), skusByCode(o.SKUs), ImportedSKU.sameContent)
}

func (s ImportedSKU) sameContent(o ImportedSKU) bool {
	return strings.TrimSpace(s.Code) == strings.TrimSpace(o.Code) && s.Price == o.Price && s.WeightG == o.WeightG &&
		s.PackageMM == o.PackageMM && maps.EqualFunc(s.Specs, o.Specs, func(a, b string) bool { return strings.TrimSpace(a) == strings.TrimSpace(b) })
}

func trimmed(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.TrimSpace(s)
	}
	return out
}

func skusByCode(skus []ImportedSKU) []ImportedSKU {
	return slices.SortedFunc(slices.Values(skus), func(a, b ImportedSKU) int {
		return strings.Compare(strings.TrimSpace(a.Code), strings.TrimSpace(b.Code))
	})
}
