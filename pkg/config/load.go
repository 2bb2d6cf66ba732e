package config

import (
	"encoding"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// LookupFunc finds a variable by name, like os.LookupEnv. Tests pass a map
// lookup so they never touch the process environment.
type LookupFunc func(name string) (string, bool)

// MapLookup returns a LookupFunc over a fixed set of variables.
func MapLookup(vars map[string]string) LookupFunc {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

// Validator is implemented by configuration structs with rules that span
// fields or need more than a type check (a port range, a URL scheme).
type Validator interface {
	Validate() error
}

// ErrRequired marks a required variable that is unset or empty.
var ErrRequired = errors.New("required but not set")

// VarError reports a problem with one variable; errors.As finds it in the
// joined error that Load returns.
type VarError struct {
	Name string // the environment variable
	Err  error
}

// Error names the variable first so an operator can grep for it.
func (e *VarError) Error() string { return "config: " + e.Name + ": " + e.Err.Error() }

// Unwrap exposes the cause, e.g. ErrRequired.
func (e *VarError) Unwrap() error { return e.Err }

// Load fills dst, a pointer to a struct, from the process environment.
func Load(dst any) error {
	return LoadFrom(dst, os.LookupEnv)
}

// LoadFrom fills dst from lookup. It sets every field it can, then returns all
// problems joined together: missing required variables, unparsable values and
// invalid defaults, each naming its variable and never echoing a secret. When
// every variable is fine it runs the Validate methods and returns their errors.
func LoadFrom(dst any, lookup LookupFunc) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("config: Load needs a non-nil pointer to a struct, got %T", dst)
	}
	w := walker{alloc: true}
	w.walk(rv.Elem(), "", "")

	var errs []error
	for _, f := range w.fields {
		if err := fill(f, lookup); err != nil {
			errs = append(errs, &VarError{Name: f.name, Err: err})
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}

	for _, s := range append(w.structs, rv.Elem()) {
		if err := validate(s); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func fill(f field, lookup LookupFunc) error {
	raw, ok := lookup(f.name)
	source := "value"
	if !ok || raw == "" {
		if !f.hasDef {
			if f.required {
				return ErrRequired
			}
			return nil
		}
		raw, source = f.def, "default"
	}
	if err := set(f.value, raw); err != nil {
		var unsupported *unsupportedError
		switch {
		case errors.As(err, &unsupported):
			return fmt.Errorf("field %s: %w", f.path, err)
		case f.secret:
			return fmt.Errorf("invalid %s: want %s", source, describe(f.value.Type()))
		default:
			return fmt.Errorf("invalid %s %q: want %s", source, raw, describe(f.value.Type()))
		}
	}
	return nil
}

func validate(s reflect.Value) error {
	var target any
	if s.CanAddr() {
		target = s.Addr().Interface()
	} else {
		target = s.Interface()
	}
	if v, ok := target.(Validator); ok {
		if err := v.Validate(); err != nil {
			return fmt.Errorf("config: %s: %w", s.Type(), err)
		}
	}
	return nil
}

// unsupportedError marks a field type Load cannot fill: a programming error,
// reported with the Go field path rather than the value.
type unsupportedError struct{ t reflect.Type }

func (e *unsupportedError) Error() string { return "unsupported type " + e.t.String() }

var durationType = reflect.TypeFor[time.Duration]()

// set parses raw into v. Parse errors are returned without detail on purpose:
// fill decides whether the raw value may appear in the message.
func set(v reflect.Value, raw string) error {
	if v.CanAddr() {
		if u, ok := v.Addr().Interface().(encoding.TextUnmarshaler); ok {
			return u.UnmarshalText([]byte(raw))
		}
	}
	if v.Type() == durationType {
		d, err := time.ParseDuration(raw)
		if err != nil {
			return err
		}
		v.SetInt(int64(d))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(raw)
	case reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return err
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(raw, 10, v.Type().Bits())
		if err != nil {
			return err
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(raw, 10, v.Type().Bits())
		if err != nil {
			return err
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		n, err := strconv.ParseFloat(raw, v.Type().Bits())
		if err != nil {
			return err
		}
		v.SetFloat(n)
	case reflect.Slice:
		var parts []string
		for p := range strings.SplitSeq(raw, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		s := reflect.MakeSlice(v.Type(), len(parts), len(parts))
		for i, p := range parts {
			if err := set(s.Index(i), p); err != nil {
				return err
			}
		}
		v.Set(s)
	default:
		return &unsupportedError{t: v.Type()}
	}
	return nil
}

// describe names the expected shape of a value for error messages.
func describe(t reflect.Type) string {
	if t == durationType {
		return "a duration like 15s or 2m30s"
	}
	if reflect.PointerTo(t).Implements(reflect.TypeFor[encoding.TextUnmarshaler]()) {
		return "a valid " + t.String()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a non-negative integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "a comma-separated list, each " + describe(t.Elem())
	default:
		return t.String()
	}
}
