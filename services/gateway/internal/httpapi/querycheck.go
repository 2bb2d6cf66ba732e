package httpapi

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/grpc-ecosystem/grpc-gateway/v2/utilities"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// strictQuery reads query parameters as grpc-gateway does, but refuses one
// that names no field of the request (errUnknownParameter): grpc-gateway
// skips it, so a misspelled filter (status for statuses) or a page size
// under another name answered the whole, unfiltered list, with no error
// where a body's unknown field is refused.
type strictQuery struct{ runtime.DefaultQueryParser }

// mapKeyParameter is a map entry's parameter, field[key].
var mapKeyParameter = regexp.MustCompile(`^(.*)\[(.*)\]$`)

func (q *strictQuery) Parse(msg proto.Message, values url.Values, filter *utilities.DoubleArray) error {
	input := msg.ProtoReflect().Descriptor()
	for _, key := range slices.Sorted(maps.Keys(values)) {
		name := key
		if m := mapKeyParameter.FindStringSubmatch(key); m != nil {
			name = m[1]
		}
		if _, fd := resolvePath(input, name); fd == nil {
			return fmt.Errorf("%s %q", unknownParameter, key)
		}
	}
	return q.DefaultQueryParser.Parse(msg, values, filter)
}

// unknownParameter starts strictQuery's refusal, which requestError turns
// into a field violation on the parameter.
const unknownParameter = "unknown query parameter"

// diagnoseQuery finds the first query parameter whose value does not parse
// as its field's type, named by its full path ("page.page_size", where
// grpc-gateway's own text names only "page_size"; errorHandler renames it
// "page.pageSize" for the client). Parameters that are not fields are left to
// grpc-gateway.
func diagnoseQuery(input protoreflect.MessageDescriptor, query url.Values) (field, desc string, found bool) {
	if input == nil {
		return "", "", false
	}
	keys := make([]string, 0, len(query))
	for k := range query {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		path, fd := resolvePath(input, key)
		if fd == nil || fd.IsMap() || fd.Kind() == protoreflect.MessageKind {
			continue
		}
		if !fd.IsList() && len(query[key]) > 1 {
			return path, "is given more than once", true
		}
		for _, v := range query[key] {
			if d := queryValueProblem(fd, v); d != "" {
				return path, d, true
			}
		}
	}
	return "", "", false
}

// resolvePath finds the field a dotted query key names (by proto or JSON
// names) and spells its path with proto names.
func resolvePath(input protoreflect.MessageDescriptor, key string) (string, protoreflect.FieldDescriptor) {
	if input == nil {
		return "", nil
	}
	md := input
	var fd protoreflect.FieldDescriptor
	names := strings.Split(key, ".")
	for i, name := range names {
		if md == nil {
			return "", nil
		}
		fd = md.Fields().ByName(protoreflect.Name(name))
		if fd == nil {
			fd = md.Fields().ByJSONName(name)
		}
		if fd == nil {
			return "", nil
		}
		names[i] = string(fd.Name())
		md = fd.Message()
	}
	return strings.Join(names, "."), fd
}

// queryValueProblem checks one query value the way grpc-gateway parses it.
func queryValueProblem(fd protoreflect.FieldDescriptor, v string) string {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return ""
	case protoreflect.BoolKind:
		switch v {
		case "true", "false", "1", "0", "True", "False", "TRUE", "FALSE", "t", "f", "T", "F":
			return ""
		}
		return want(fd)
	case protoreflect.EnumKind:
		if fd.Enum().Values().ByName(protoreflect.Name(v)) != nil {
			return ""
		}
		return scalarProblem(fd, json.Number(v))
	default:
		return scalarProblem(fd, v)
	}
}
