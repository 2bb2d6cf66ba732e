package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

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
	return LoadFrom(dst, env.ToMap(os.Environ()))
}

// LoadFrom fills dst from vars, so tests never touch the process
// environment. It sets every field it can, then returns all problems joined
// together: missing required variables, unparsable values and invalid
// defaults, each naming its variable and never echoing a secret. When every
// variable is fine it runs the Validate methods and returns their errors.
func LoadFrom(dst any, vars map[string]string) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("config: Load needs a non-nil pointer to a struct, got %T", dst)
	}
	// A variable set but empty counts as unset, because orchestrators often
	// render missing values as empty strings: defaults apply and required
	// variables are reported.
	set := make(map[string]string, len(vars))
	for k, v := range vars {
		if v != "" {
			set[k] = v
		}
	}
	var before fields
	before.collect(rv.Elem(), "")
	tidyLists(before, set)
	err := env.ParseWithOptions(dst, env.Options{Environment: set})
	var fs fields
	fs.collect(rv.Elem(), "")
	if err != nil {
		return explain(err, fs, set)
	}
	var errs []error
	for _, s := range append(fs.structs, rv.Elem()) {
		if err := validate(s); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// explain turns the env library's errors into VarErrors. Its parse errors
// name the Go field, which is ambiguous in nested structs and may quote a
// secret, so each field is checked again on its own to find the variable.
func explain(err error, fs fields, vars map[string]string) error {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return fmt.Errorf("config: %w", err)
	}
	var errs []error
	reported := map[string]bool{}
	for _, e := range agg.Errors {
		var (
			notSet   env.VarIsNotSetError
			empty    env.EmptyVarError
			parse    env.ParseError
			noParser env.NoParserError
		)
		switch {
		case errors.As(e, &notSet):
			errs = append(errs, &VarError{Name: notSet.Key, Err: ErrRequired})
		case errors.As(e, &empty):
			errs = append(errs, &VarError{Name: empty.Key, Err: ErrRequired})
		case errors.As(e, &parse):
			found := false
			for _, f := range fs.vars {
				if f.sf.Name != parse.Name || f.sf.Type != parse.Type || reported[f.name] {
					continue
				}
				if verr := check(f, vars); verr != nil {
					reported[f.name], found = true, true
					errs = append(errs, verr)
					break
				}
			}
			if !found {
				errs = append(errs, fmt.Errorf("config: field %s: invalid value", parse.Name))
			}
		case errors.As(e, &noParser):
			errs = append(errs, fmt.Errorf("config: field %s: unsupported type %s", noParser.Name, noParser.Type))
		default:
			errs = append(errs, fmt.Errorf("config: %w", e))
		}
	}
	return errors.Join(errs...)
}

// tidyLists drops the blanks around and between the items of list
// variables ("a, b,," is "a,b"), which the env library would keep.
func tidyLists(fs fields, vars map[string]string) {
	for _, f := range fs.vars {
		raw, ok := vars[f.name]
		if !ok || f.sf.Type.Kind() != reflect.Slice {
			continue
		}
		sep := f.sf.Tag.Get("envSeparator")
		if sep == "" {
			sep = ","
		}
		var items []string
		for item := range strings.SplitSeq(raw, sep) {
			if item = strings.TrimSpace(item); item != "" {
				items = append(items, item)
			}
		}
		if len(items) == 0 {
			delete(vars, f.name)
			continue
		}
		vars[f.name] = strings.Join(items, sep)
	}
}

// check parses f's effective value alone, with the env library, and says
// what is wrong with it; the value is quoted unless f is a secret.
func check(f field, vars map[string]string) error {
	raw, source := vars[f.name], "value"
	if raw == "" {
		raw, source = f.def, "default"
	}
	one := reflect.New(reflect.StructOf([]reflect.StructField{{
		Name: "V", Type: f.sf.Type, Tag: `env:"V"`,
	}}))
	if env.ParseWithOptions(one.Interface(), env.Options{Environment: map[string]string{"V": raw}}) == nil {
		return nil
	}
	if f.secret {
		return &VarError{Name: f.name, Err: fmt.Errorf("invalid %s: want %s", source, describe(f.sf.Type))}
	}
	return &VarError{Name: f.name, Err: fmt.Errorf("invalid %s %q: want %s", source, raw, describe(f.sf.Type))}
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

var durationType = reflect.TypeFor[time.Duration]()

// describe names the expected shape of a value for error messages.
func describe(t reflect.Type) string {
	if t == durationType {
		return "a duration like 15s or 2m30s"
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
		return "a valid " + t.String()
	}
}
