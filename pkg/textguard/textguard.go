// Package textguard refuses request strings that no service can store or
// show safely: a NUL byte (PostgreSQL refuses it in text, so it would surface
// as an internal error), invalid UTF-8 (protobuf cannot even marshal it) and
// the Unicode text-direction override and isolate characters (U+202A–U+202E,
// U+2066–U+2069).
//
// The direction controls are refused in every string field, not only in
// names: every string a client sends is an identifier, a secret or text that
// someone else will read (a product description shown to buyers, an address
// printed by a supplier, a name in a back office). In the first two they have
// no use; in the last they let a sender make text display differently from
// what it is ("Trojan Source" spoofing). Right-to-left scripts display
// correctly through the implicit bidirectional algorithm, and the invisible
// marks that help it (U+200E, U+200F, U+061C) stay allowed.
//
// The check walks the whole request message (nested messages, repeated
// fields, map keys and values) once, in the kit, so no service has to
// remember it; the server package runs it on every call.
package textguard

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// Problem descriptions, as they appear in field violations.
const (
	DescNUL       = "must not contain a NUL character"
	DescUTF8      = "must be valid UTF-8"
	DescDirection = "must not contain text-direction override or isolate characters (U+202A–U+202E, U+2066–U+2069)"
)

// maxViolations bounds the answer for a message full of bad strings: the
// client learns enough to fix its encoder without a megabyte of errors.
const maxViolations = 20

// Problem returns why s may not be accepted, or "" when it may.
func Problem(s string) string {
	// Fast path: most strings are plain ASCII without NUL.
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == 0 {
			return DescNUL
		} else if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	if ascii {
		return ""
	}
	if !utf8.ValidString(s) {
		return DescUTF8
	}
	for _, r := range s {
		if isDirectionControl(r) {
			return DescDirection
		}
	}
	return ""
}

func isDirectionControl(r rune) bool {
	return r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069
}

// Check returns an InvalidArgument error naming every string field of m (as
// "content.skus[2].title", "attributes.colour") that Problem refuses, or nil.
func Check(m proto.Message) error {
	return apperr.Violations(Violations(m)).Err()
}

// Violations is Check returning the violations themselves.
func Violations(m proto.Message) []apperr.FieldViolation {
	if m == nil {
		return nil
	}
	var v apperr.Violations
	walk(m.ProtoReflect(), "", &v)
	return v
}

func walk(m protoreflect.Message, prefix string, v *apperr.Violations) {
	m.Range(func(fd protoreflect.FieldDescriptor, val protoreflect.Value) bool {
		if len(*v) >= maxViolations {
			return false
		}
		name := join(prefix, string(fd.Name()))
		switch {
		case fd.IsMap():
			checkMap(fd, val.Map(), name, v)
		case fd.IsList():
			list := val.List()
			for i := 0; i < list.Len() && len(*v) < maxViolations; i++ {
				checkValue(fd, list.Get(i), apperr.Index(name, i, ""), v)
			}
		default:
			checkValue(fd, val, name, v)
		}
		return true
	})
}

func checkMap(fd protoreflect.FieldDescriptor, m protoreflect.Map, name string, v *apperr.Violations) {
	m.Range(func(k protoreflect.MapKey, val protoreflect.Value) bool {
		if len(*v) >= maxViolations {
			return false
		}
		key := fmt.Sprint(k.Interface())
		if fd.MapKey().Kind() == protoreflect.StringKind {
			if p := Problem(k.String()); p != "" {
				// A bad key cannot be printed into the path as it is.
				v.Add(name, "key "+p)
				return true
			}
		}
		checkValue(fd.MapValue(), val, apperr.MapKey(name, key), v)
		return true
	})
}

func checkValue(fd protoreflect.FieldDescriptor, val protoreflect.Value, name string, v *apperr.Violations) {
	switch fd.Kind() {
	case protoreflect.StringKind:
		if p := Problem(val.String()); p != "" {
			v.Add(name, p)
		}
	case protoreflect.MessageKind, protoreflect.GroupKind:
		walk(val.Message(), name, v)
	}
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	var b strings.Builder
	b.Grow(len(prefix) + 1 + len(name))
	b.WriteString(prefix)
	b.WriteByte('.')
	b.WriteString(name)
	return b.String()
}
