package domain

import (
	"maps"
	"slices"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// Translation is a product's text in one locale. It is complete when the
// title, the description and a label for every attribute of the product's
// model are present; only complete translations are shown to buyers, so a
// listing never mixes languages.
type Translation struct {
	Locale          string
	Title           string
	Description     string
	AttributeLabels map[string]string
	Complete        bool
	TranslatedBy    string
	UpdatedAt       time.Time
}

// TranslationInput is a translation as a request gives it.
type TranslationInput struct {
	Locale          string
	Title           string
	Description     string
	AttributeLabels map[string]string
}

// Translate validates a translation of the product (fields
// "translation.locale", "translation.title", "translation.description",
// "translation.attribute_labels.<name>") against its model, and adds it or
// replaces the one in the same locale. The default locale is the content
// itself and is not translated.
func (p *Product) Translate(in TranslationInput, model ProductModel, actor string, now time.Time) (Translation, Transition, error) {
	var v violations
	t := Translation{
		Locale:          checkLocale(&v, "translation.locale", in.Locale),
		Title:           apperr.CheckText(&v, "translation.title", in.Title, 0, MaxTitle),
		Description:     apperr.CheckLongText(&v, "translation.description", in.Description, 0, MaxDescription),
		AttributeLabels: map[string]string{},
		TranslatedBy:    actor,
		UpdatedAt:       now,
	}
	if t.Locale != "" && t.Locale == p.DefaultLocale {
		v.Add("translation.locale", "is the product's default locale: edit the content instead")
	}
	for _, name := range slices.Sorted(maps.Keys(in.AttributeLabels)) {
		f := apperr.MapKey("translation.attribute_labels", name)
		if _, ok := model.Attribute(name); !ok {
			v.Add(f, "is not an attribute of the product model")
			continue
		}
		if label := apperr.CheckText(&v, f, in.AttributeLabels[name], 1, 100); label != "" {
			t.AttributeLabels[name] = label
		}
	}
	if err := v.Err(); err != nil {
		return Translation{}, Transition{}, err
	}
	if err := p.live(); err != nil {
		return Translation{}, Transition{}, err
	}
	t.Complete = t.Title != "" && t.Description != ""
	for _, a := range model.Attributes {
		if t.AttributeLabels[a.Name] == "" {
			t.Complete = false
		}
	}
	i := slices.IndexFunc(p.Translations, func(o Translation) bool { return o.Locale == t.Locale })
	if i >= 0 {
		p.Translations[i] = t
	} else {
		p.Translations = append(p.Translations, t)
	}
	return t, p.transition(p.Status, ActionTranslated, actor, t.Locale, p.currentRevision(), now), nil
}

// Text is a product's text in one locale, as buyers see it.
type Text struct {
	Locale      string
	Title       string
	Description string
	// Labels maps attribute names to their labels; empty in the default
	// locale, where the names are the labels.
	Labels map[string]string
}

// Label returns the attribute's label in this text's locale.
func (t Text) Label(name string) string {
	if l, ok := t.Labels[name]; ok {
		return l
	}
	return name
}

// TextIn returns the live revision's text in locale (canonical, or empty for
// the default), falling back along LocaleChain to the default locale. Only
// complete translations count.
func (p *Product) TextIn(locale string) Text {
	for _, l := range LocaleChain(locale) {
		for _, t := range p.Translations {
			if t.Locale == l && t.Complete {
				return Text{Locale: l, Title: t.Title, Description: t.Description, Labels: t.AttributeLabels}
			}
		}
	}
	t := Text{Locale: p.DefaultLocale}
	if p.Live != nil {
		t.Title, t.Description = p.Live.Content.Title, p.Live.Content.Description
	}
	return t
}

// CompleteTranslations returns the translations buyers can be served.
func (p *Product) CompleteTranslations() []Translation {
	var out []Translation
	for _, t := range p.Translations {
		if t.Complete {
			out = append(out, t)
		}
	}
	return out
}

// DescribedOtherwise marks what described the replaced live content as no
// longer describing the product, when the approved revision changed its
// title, description or attributes: every translation becomes incomplete
// (kept for its translator to bring up to date, no longer shown to buyers,
// who are served the new content instead of a translation claiming what
// the goods no longer are), and the quality check, which passed other
// goods, is dropped. It returns the translations it changed.
func (p *Product) DescribedOtherwise(replaced Content) []Translation {
	return p.outdate(p.Live.Content, replaced)
}

// Redescribed is DescribedOtherwise for a product never approved, whose
// pending revision an edit took from before to its content now: its
// translations and quality check were made of the pending content (there
// is no other), and the first approval, replacing nothing, would keep
// them. A product with a live revision keeps them until an approval
// replaces it.
func (p *Product) Redescribed(before Content) []Translation {
	if p.Live != nil || p.Pending == nil {
		return nil
	}
	return p.outdate(p.Pending.Content, before)
}

// outdate drops the quality check and marks the complete translations
// incomplete, returning them, when content c describes the goods otherwise
// than before: another title, description, attributes or images.
func (p *Product) outdate(c, before Content) []Translation {
	if c.Title == before.Title && c.Description == before.Description && maps.Equal(c.Attributes, before.Attributes) &&
		slices.Equal(c.Images, before.Images) {
		return nil
	}
	p.QualityCheck = nil
	var changed []Translation
	for i := range p.Translations {
		if p.Translations[i].Complete {
			p.Translations[i].Complete = false
			changed = append(changed, p.Translations[i])
		}
	}
	return changed
}
