package domain

import (
	"strings"

	"golang.org/x/text/language"
)

// ParseLocale reads a BCP 47 language tag and returns its canonical form
// ("pt-br" → "pt-BR"); ok is false for anything that is not a tag of a
// language.
func ParseLocale(raw string) (string, bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > 35 {
		return "", false
	}
	tag, err := language.Parse(raw)
	if err != nil || tag == language.Und {
		return "", false
	}
	if base, conf := tag.Base(); conf == language.No || base.String() == "und" {
		return "", false
	}
	return tag.String(), true
}

// LocaleChain returns the locales a request in locale (canonical) is served
// from, best first, before the product's default: the locale itself, then
// its bare language ("de-AT" → "de-AT", "de"). Empty for no locale.
func LocaleChain(locale string) []string {
	if locale == "" {
		return nil
	}
	chain := []string{locale}
	if tag, err := language.Parse(locale); err == nil {
		if base, _ := tag.Base(); base.String() != locale {
			chain = append(chain, base.String())
		}
	}
	return chain
}

// checkLocale validates a required locale field and returns it canonical.
func checkLocale(v *violations, field, raw string) string {
	if strings.TrimSpace(raw) == "" {
		v.Add(field, "is required")
		return ""
	}
	l, ok := ParseLocale(raw)
	if !ok {
		v.Add(field, "must be a BCP 47 language tag such as en, de or pt-BR")
	}
	return l
}
