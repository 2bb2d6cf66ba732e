package domain

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// AttributeKind is what values an attribute takes.
type AttributeKind string

// The attribute kinds.
const (
	KindText   AttributeKind = "text"
	KindChoice AttributeKind = "choice"
	KindNumber AttributeKind = "number"
)

// Limits of a product model.
const (
	MaxModelAttributes = 50
	MaxAllowedValues   = 100
)

var (
	attributeName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
	// A decimal number as suppliers write it: no exponent, no thousands
	// separators, so that "1e3" and "1,000" are not silently different.
	decimalNumber = regexp.MustCompile(`^-?[0-9]{1,15}(\.[0-9]{1,6})?$`)
)

// Attribute is one attribute of a product model. Spec attributes vary per
// SKU (size, colour); the others describe the whole product (material).
type Attribute struct {
	Name          string
	Kind          AttributeKind
	AllowedValues []string
	Required      bool
	Spec          bool
}

// ProductModel is an attribute template that products of a kind follow.
type ProductModel struct {
	ID         uuid.UUID
	Name       string
	Attributes []Attribute
	CreatedAt  time.Time
}

// Attribute returns the model's attribute called name.
func (m ProductModel) Attribute(name string) (Attribute, bool) {
	for _, a := range m.Attributes {
		if a.Name == name {
			return a, true
		}
	}
	return Attribute{}, false
}

// NewProductModel validates a model (fields "name", "attributes[i]...").
func NewProductModel(name string, attrs []Attribute, now time.Time) (ProductModel, error) {
	var v violations
	name = apperr.CheckText(&v, "name", name, 1, 100)
	if len(attrs) > MaxModelAttributes {
		v.Add("attributes", "must hold at most 50 attributes")
	}
	seen := map[string]bool{}
	out := make([]Attribute, 0, len(attrs))
	for i, a := range attrs {
		a.Name = strings.TrimSpace(a.Name)
		switch {
		case !attributeName.MatchString(a.Name):
			v.Add(apperr.Index("attributes", i, "name"), "must be 1 to 40 lower-case letters, digits or underscores, starting with a letter")
		case seen[a.Name]:
			v.Add(apperr.Index("attributes", i, "name"), "is used by another attribute")
		}
		seen[a.Name] = true
		switch a.Kind {
		case KindChoice:
			a.AllowedValues = checkAllowedValues(&v, i, a.AllowedValues)
		case KindText, KindNumber:
			if len(a.AllowedValues) > 0 {
				v.Add(apperr.Index("attributes", i, "allowed_values"), "are only for choice attributes")
			}
			a.AllowedValues = nil
		default:
			v.Add(apperr.Index("attributes", i, "kind"), "must be text, choice or number")
		}
		out = append(out, a)
	}
	if err := v.Err(); err != nil {
		return ProductModel{}, err
	}
	return ProductModel{ID: uuid.Must(uuid.NewV7()), Name: name, Attributes: out, CreatedAt: now}, nil
}

func checkAllowedValues(v *violations, i int, values []string) []string {
	field := apperr.Index("attributes", i, "allowed_values")
	if len(values) == 0 {
		v.Add(field, "are required for a choice attribute")
		return nil
	}
	if len(values) > MaxAllowedValues {
		v.Add(field, "must hold at most 100 values")
		return nil
	}
	out := make([]string, 0, len(values))
	for j, value := range values {
		f := apperr.Index(field, j, "")
		value = apperr.CheckText(v, f, value, 1, 100)
		if slices.Contains(out, value) {
			v.Add(f, "is listed twice")
		}
		out = append(out, value)
	}
	return out
}

// checkValue validates a value of attribute a and returns it normalised
// (trimmed); problems are added under field.
func checkValue(v *violations, field string, a Attribute, value string) string {
	value = strings.TrimSpace(value)
	switch a.Kind {
	case KindChoice:
		if !slices.Contains(a.AllowedValues, value) {
			v.Add(field, "must be one of the model's values: "+strings.Join(a.AllowedValues, ", "))
		}
	case KindNumber:
		if !decimalNumber.MatchString(value) {
			v.Add(field, "must be a decimal number such as 12 or 0.5")
		}
	default:
		value = apperr.CheckText(v, field, value, 1, 200)
	}
	return value
}
