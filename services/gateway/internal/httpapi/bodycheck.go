package httpapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// diagnoseBody finds why a JSON body does not decode into a message of type
// md, and names the field the way the services' field violations do, by
// proto names ("content.skus[2].weight_g", which errorHandler renames to the
// JSON names a client reads), with a short reason a client can act on
// ("want integer"). It
// runs only after protojson refused the body, so it follows protojson's rules
// closely enough to find the culprit without repeating its work on every
// request; when it cannot tell, it blames the body as a whole.
func diagnoseBody(md protoreflect.MessageDescriptor, body []byte) (field, desc string) {
	w := &bodyWalker{dec: json.NewDecoder(bytes.NewReader(body)), body: body}
	w.dec.UseNumber()
	if !w.message(md, "") {
		return w.field, w.desc
	}
	if _, err := w.dec.Token(); err == nil {
		return "body", "must hold exactly one JSON object"
	}
	return "body", "is not a valid request body"
}

// maxDepth stops the walk in absurdly nested input; protojson refuses it too.
const maxDepth = 64

type bodyWalker struct {
	dec         *json.Decoder
	body        []byte
	depth       int
	field, desc string
}

// fail records the first problem and stops the walk.
func (w *bodyWalker) fail(field, desc string) bool {
	if field == "" {
		field = "body"
	}
	w.field, w.desc = field, desc
	return false
}

// token reads the next token and checks that its raw bytes are UTF-8, which
// encoding/json would otherwise paper over with U+FFFD.
func (w *bodyWalker) token(field string) (json.Token, bool) {
	start := w.dec.InputOffset()
	t, err := w.dec.Token()
	if err != nil {
		return nil, w.fail(field, "is not valid JSON")
	}
	if !utf8.Valid(w.body[start:w.dec.InputOffset()]) {
		return nil, w.fail(field, "must be valid UTF-8")
	}
	return t, true
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// message walks one JSON value meant to be a message of type md; it returns
// false once a problem is recorded.
func (w *bodyWalker) message(md protoreflect.MessageDescriptor, path string) bool {
	if wkt, ok := wellKnown(md); ok {
		return w.wellKnownValue(wkt, md, path)
	}
	t, ok := w.token(path)
	if !ok {
		return false
	}
	if t == nil {
		return true
	}
	if d, isDelim := t.(json.Delim); !isDelim || d != '{' {
		return w.fail(path, "want object")
	}
	w.depth++
	if w.depth > maxDepth {
		return w.fail(path, "is nested too deeply")
	}
	defer func() { w.depth-- }()
	fields := md.Fields()
	for w.dec.More() {
		kt, ok := w.token(path)
		if !ok {
			return false
		}
		key, _ := kt.(string)
		fd := fields.ByJSONName(key)
		if fd == nil {
			fd = fields.ByTextName(key)
		}
		if fd == nil {
			if plainName(key) {
				return w.fail(join(path, key), "unknown field")
			}
			return w.fail(path, "has an unknown field")
		}
		if !w.fieldValue(fd, join(path, string(fd.Name()))) {
			return false
		}
	}
	_, ok = w.token(path) // '}'
	return ok
}

func plainName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// fieldValue walks the value of one field: a list, a map or a single value.
func (w *bodyWalker) fieldValue(fd protoreflect.FieldDescriptor, path string) bool {
	switch {
	case fd.IsList():
		return w.container(path, '[', "want array", func(i int) bool {
			return w.single(fd, path+"["+strconv.Itoa(i)+"]")
		})
	case fd.IsMap():
		return w.container(path, '{', "want object", func(int) bool {
			kt, ok := w.token(path)
			if !ok {
				return false
			}
			key, _ := kt.(string)
			if !validMapKey(fd.MapKey().Kind(), key) {
				return w.fail(path, "has a key of the wrong type")
			}
			sub := path
			if plainName(key) {
				sub = path + "." + key
			}
			return w.single(fd.MapValue(), sub)
		})
	default:
		return w.single(fd, path)
	}
}

// container walks a JSON array or object, calling each for every element
// (for objects each reads the key itself). null stands for an empty one.
func (w *bodyWalker) container(path string, open json.Delim, want string, each func(int) bool) bool {
	t, ok := w.token(path)
	if !ok {
		return false
	}
	if t == nil {
		return true
	}
	if d, isDelim := t.(json.Delim); !isDelim || d != open {
		return w.fail(path, want)
	}
	w.depth++
	if w.depth > maxDepth {
		return w.fail(path, "is nested too deeply")
	}
	defer func() { w.depth-- }()
	for i := 0; w.dec.More(); i++ {
		if !each(i) {
			return false
		}
	}
	_, ok = w.token(path)
	return ok
}

// single walks one value of fd's type (an element of a list or map included).
func (w *bodyWalker) single(fd protoreflect.FieldDescriptor, path string) bool {
	if fd.Kind() == protoreflect.MessageKind || fd.Kind() == protoreflect.GroupKind {
		return w.message(fd.Message(), path)
	}
	t, ok := w.token(path)
	if !ok {
		return false
	}
	if _, isDelim := t.(json.Delim); isDelim {
		return w.fail(path, want(fd))
	}
	if t == nil {
		return true
	}
	if desc := scalarProblem(fd, t); desc != "" {
		return w.fail(path, desc)
	}
	return true
}

// want names the JSON a field takes.
func want(fd protoreflect.FieldDescriptor) string {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return "want boolean"
	case protoreflect.StringKind:
		return "want string"
	case protoreflect.BytesKind:
		return "want base64 string"
	case protoreflect.EnumKind:
		return "want one of " + enumNames(fd.Enum())
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		return "want number"
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return "want object"
	default:
		return "want integer"
	}
}

func enumNames(ed protoreflect.EnumDescriptor) string {
	vals := ed.Values()
	names := make([]string, 0, vals.Len())
	for i := range vals.Len() {
		names = append(names, string(vals.Get(i).Name()))
	}
	return strings.Join(names, ", ")
}

// scalarProblem checks one scalar token against fd's kind, the way protojson
// reads it (64-bit integers and floats may also come as strings).
func scalarProblem(fd protoreflect.FieldDescriptor, t json.Token) string {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		if _, ok := t.(bool); !ok {
			return want(fd)
		}
	case protoreflect.StringKind:
		if _, ok := t.(string); !ok {
			return want(fd)
		}
	case protoreflect.BytesKind:
		s, ok := t.(string)
		if !ok || !validBase64(s) {
			return want(fd)
		}
	case protoreflect.EnumKind:
		switch v := t.(type) {
		case string:
			if fd.Enum().Values().ByName(protoreflect.Name(v)) == nil {
				return want(fd)
			}
		case json.Number:
			if _, err := strconv.ParseInt(string(v), 10, 32); err != nil {
				return want(fd)
			}
		default:
			return want(fd)
		}
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		var s string
		switch v := t.(type) {
		case json.Number:
			s = string(v)
		case string:
			if v == "NaN" || v == "Infinity" || v == "-Infinity" {
				return ""
			}
			s = v
		default:
			return want(fd)
		}
		bits := 64
		if fd.Kind() == protoreflect.FloatKind {
			bits = 32
		}
		if _, err := strconv.ParseFloat(s, bits); err != nil {
			return "want number in range"
		}
	default:
		return integerProblem(fd.Kind(), t)
	}
	return ""
}

func integerProblem(k protoreflect.Kind, t json.Token) string {
	var s string
	switch v := t.(type) {
	case json.Number:
		s = string(v)
	case string:
		s = v
	default:
		return "want integer"
	}
	signed, bits := true, 64
	switch k {
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		bits = 32
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		signed, bits = false, 32
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		signed = false
	}
	var err error
	if signed {
		_, err = strconv.ParseInt(s, 10, bits)
	} else {
		_, err = strconv.ParseUint(s, 10, bits)
	}
	if err == nil {
		return ""
	}
	if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
		return "integer out of range"
	}
	// protojson also takes integral values written with a fraction or an
	// exponent (1.0, 1e3).
	if f, ferr := strconv.ParseFloat(s, 64); ferr == nil {
		if f != math.Trunc(f) {
			return "want integer"
		}
		if math.Abs(f) >= 1<<63 || !signed && f < 0 {
			return "integer out of range"
		}
		return ""
	}
	return "want integer"
}

func validBase64(s string) bool {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if _, err := enc.DecodeString(s); err == nil {
			return true
		}
	}
	return false
}

func validMapKey(k protoreflect.Kind, key string) bool {
	switch k {
	case protoreflect.StringKind:
		return true
	case protoreflect.BoolKind:
		return key == "true" || key == "false"
	default:
		return integerProblem(k, key) == ""
	}
}
