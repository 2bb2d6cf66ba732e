package config

import (
	"fmt"
	"reflect"
)

// field is one struct field bound to an environment variable.
type field struct {
	name     string // full variable name, prefixes applied
	path     string // Go path such as Server.GRPCAddr, for programming errors
	value    reflect.Value
	def      string
	hasDef   bool
	required bool
	secret   bool
}

// walker collects the variable-bound fields of a struct and the nested
// structs in the order their Validate methods must run (innermost first).
type walker struct {
	alloc   bool // allocate nil pointers to nested structs (when loading)
	fields  []field
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

func (w *walker) walk(v reflect.Value, prefix, path string) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		// An embedded struct of an unexported type still promotes its
		// exported fields, and reflect lets us set those, so walk it.
		if !sf.IsExported() && !(sf.Anonymous && sf.Type.Kind() == reflect.Struct) {
			continue
		}
		fv := v.Field(i)
		fpath := sf.Name
		if path != "" {
			fpath = path + "." + sf.Name
		}
		if name, ok := sf.Tag.Lookup("env"); ok {
			if name == "" || name == "-" {
				continue
			}
			def, hasDef := sf.Tag.Lookup("default")
			w.fields = append(w.fields, field{
				name:     prefix + name,
				path:     fpath,
				value:    fv,
				def:      def,
				hasDef:   hasDef,
				required: sf.Tag.Get("required") == "true",
				secret:   sf.Tag.Get("secret") == "true",
			})
			continue
		}
		nested := fv
		if fv.Kind() == reflect.Pointer && fv.Type().Elem().Kind() == reflect.Struct {
			if fv.IsNil() {
				if !w.alloc || !fv.CanSet() {
					continue
				}
				fv.Set(reflect.New(fv.Type().Elem()))
			}
			nested = fv.Elem()
		}
		if nested.Kind() != reflect.Struct {
			continue
		}
		w.walk(nested, prefix+sf.Tag.Get("envPrefix"), fpath)
		// An embedded struct's Validate is promoted to its parent (or
		// deliberately overridden there), so calling it separately would run
		// it twice or bypass the override.
		if !sf.Anonymous {
			w.structs = append(w.structs, nested)
		}
	}
}
