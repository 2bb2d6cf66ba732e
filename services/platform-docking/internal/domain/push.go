package domain

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"strings"
)

// ProductFacts is what deciding a product's push needs to know of it.
type ProductFacts struct {
	// Listed is whether it is on sale in Crossdock's own store: only a
	// product that passed review and is on sale is pushed.
	Listed bool
	// QualityPassed is whether its latest quality check passed.
	QualityPassed bool
	// DefaultLocale is the locale its content is written in.
	DefaultLocale string
	// Translated are the locales it has a complete translation in.
	Translated []string
}

// PushLocale decides whether a product is pushed to a partner, and in which
// of the partner's locales: the first of them the product is written or
// completely translated in (a bare language such as "de" matches "de-AT"
// either way). ok is false with the reason when it is not to be pushed; a
// listing of it already on the partner is then withdrawn.
func PushLocale(p Partner, f ProductFacts) (locale string, ok bool, reason string) {
	if !f.Listed {
		return "", false, "not on sale"
	}
	if p.QualityCheckRequired && !f.QualityPassed {
		return "", false, "the partner requires a passed quality check"
	}
	for _, want := range p.Locales {
		if sameLocale(want, f.DefaultLocale) {
			return f.DefaultLocale, true, ""
		}
		if i := slices.IndexFunc(f.Translated, func(have string) bool { return sameLocale(want, have) }); i >= 0 {
			return f.Translated[i], true, ""
		}
	}
	return "", false, "not translated into " + strings.Join(p.Locales, ", ")
}

// sameLocale matches two BCP 47 tags exactly, or a bare language against
// any region of it.
func sameLocale(a, b string) bool {
	if strings.EqualFold(a, b) {
		return true
	}
	la, ra, _ := strings.Cut(a, "-")
	lb, rb, _ := strings.Cut(b, "-")
	return strings.EqualFold(la, lb) && (ra == "" || rb == "")
}

// Fingerprint is a listing's content, price and stock in 32 bytes: a push
// whose fingerprint equals the last one's would change nothing, so it is
// skipped.
func (l Listing) Fingerprint() []byte {
	h := sha256.New()
	str := func(s string) {
		_ = binary.Write(h, binary.BigEndian, int64(len(s)))
		h.Write([]byte(s))
	}
	num := func(n int64) { _ = binary.Write(h, binary.BigEndian, n) }
	for _, s := range []string{l.Marker, l.ProductID, l.SKUID, l.SKUCode, l.SupplierID, l.Locale, l.Title, l.Description, l.Price.Currency} {
		str(s)
	}
	num(int64(len(l.Images)))
	for _, s := range l.Images {
		str(s)
	}
	keys := make([]string, 0, len(l.Attributes))
	for k := range l.Attributes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	num(int64(len(keys)))
	for _, k := range keys {
		str(k)
		str(l.Attributes[k])
	}
	num(l.Price.Amount)
	num(l.Stock)
	num(l.WeightG)
	return h.Sum(nil)
}
