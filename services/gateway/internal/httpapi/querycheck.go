package httpapi

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

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
