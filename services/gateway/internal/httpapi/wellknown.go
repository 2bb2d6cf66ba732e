package httpapi

import (
	"encoding/json"
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// wktKind is how protojson writes a well-known type: not as an object of its
// fields but as a string (Timestamp, Duration, FieldMask), as the wrapped
// scalar (the wrappers), or as any JSON (Struct, Value, ListValue, Any).
type wktKind int

const (
	wktString wktKind = iota + 1
	wktWrapper
	wktAny
)

func wellKnown(md protoreflect.MessageDescriptor) (wktKind, bool) {
	if md.ParentFile() == nil || md.ParentFile().Package() != "google.protobuf" {
		return 0, false
	}
	switch md.Name() {
	case "Timestamp", "Duration", "FieldMask":
		return wktString, true
	case "DoubleValue", "FloatValue", "Int64Value", "UInt64Value", "Int32Value", "UInt32Value",
		"BoolValue", "StringValue", "BytesValue":
		return wktWrapper, true
	case "Struct", "Value", "ListValue", "Any":
		return wktAny, true
	}
	return 0, false
}

// wellKnownValue checks the JSON form of a well-known type.
func (w *bodyWalker) wellKnownValue(k wktKind, md protoreflect.MessageDescriptor, path string) bool {
	switch k {
	case wktWrapper:
		return w.single(md.Fields().ByNumber(1), path)
	case wktString:
		t, ok := w.token(path)
		if !ok {
			return false
		}
		if _, isString := t.(string); !isString && t != nil {
			if md.Name() == "Timestamp" {
				return w.fail(path, "want RFC 3339 time string")
			}
			if md.Name() == "Duration" {
				return w.fail(path, `want duration string such as "1.5s"`)
			}
			return w.fail(path, "want string")
		}
		if s, isString := t.(string); isString && md.Name() == "Timestamp" {
			if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
				return w.fail(path, "want RFC 3339 time string")
			}
		}
		return true
	default:
		return w.skip(path)
	}
}

// skip reads one whole JSON value of any shape.
func (w *bodyWalker) skip(path string) bool {
	var raw json.RawMessage
	if err := w.dec.Decode(&raw); err != nil {
		return w.fail(path, "is not valid JSON")
	}
	return true
}
