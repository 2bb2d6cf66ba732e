package config

import (
	"fmt"
	"reflect"
	"strings"
)

// field is one struct field bound to an environment variable, as the env
// library binds it: the name from the env tag's first part, behind the
// envPrefix tags of the structs around it.
type field struct {
	name   string // full variable name, prefixes applied
	sf     reflect.StructField
	value  reflect.Value
	def    string
	hasDef bool
	secret bool // `secret:"true"`: never printed, never echoed in errors
}

// fields lists the variable-bound fields of a struct in declaration order,
// and the nested structs in the order their Validate methods must run
// (innermost first).
type fields struct {
	vars    []field
	structs []reflect.Value
}

// structValue dereferences v to the struct it points at.
func structValue(v any) (reflect.Value, error) {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return reflect.Value{}, fmt.Errorf("config: nil %T", v)
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return reflect.Value{}, fmt.Errorf("config: %T is not a struct", v)
	}
	return rv, nil
}

// collect walks v. Unexported fields are skipped (the env library cannot set
// them either), as are nil pointers to structs that were not allocated with
// the env library's `init` option.
func (fs *fields) collect(v reflect.Value, prefix string) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		fv := v.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("env"), ",")
		if name == "-" {
			continue
		}
		if name != "" {
			def, hasDef := sf.Tag.Lookup("envDefault")
			fs.vars = append(fs.vars, field{
				name: prefix + name, sf: sf, value: fv, def: def, hasDef: hasDef,
				secret: sf.Tag.Get("secret") == "true",
			})
			continue
		}
		nested := fv
		if fv.Kind() == reflect.Pointer && fv.Type().Elem().Kind() == reflect.Struct {
			if fv.IsNil() {
				continue
			}
			nested = fv.Elem()
		}
		if nested.Kind() != reflect.Struct {
			continue
		}
		fs.collect(nested, prefix+sf.Tag.Get("envPrefix"))
		// An embedded struct's Validate is promoted to its parent (or
		// deliberately overridden there), so calling it separately would run
		// it twice or bypass the override.
		if !sf.Anonymous {
			fs.structs = append(fs.structs, nested)
		}
	}
}
