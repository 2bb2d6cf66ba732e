package httpapi

import (
	"errors"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
)

// withJSONFieldPaths rewrites the field paths of err's google.rpc.BadRequest
// violations from proto names ("parcel.weight_g", what the services and the
// gateway's own parsers name) into the JSON names a REST client sent and
// reads ("parcel.weightG"), walking input, the request message of the
// route's method. The document, the TypeScript client and its fieldViolations
// helper promise JSON names; gRPC callers, who never pass through here, keep
// proto names. A message the services built from the violations ("invalid
// request: parcel.weight_g: …") is rebuilt from the rewritten ones, so the
// two agree. Without input (no route matched) err is returned as it is.
func withJSONFieldPaths(input protoreflect.MessageDescriptor, err error) error {
	var httpErr *runtime.HTTPStatusError
	if input == nil || errors.As(err, &httpErr) {
		return err
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	p := st.Proto()
	var before, after []*errdetails.BadRequest_FieldViolation
	for i, detail := range p.GetDetails() {
		var br errdetails.BadRequest
		if !detail.MessageIs(&br) || detail.UnmarshalTo(&br) != nil {
			continue
		}
		for _, fv := range br.GetFieldViolations() {
			before = append(before, &errdetails.BadRequest_FieldViolation{Field: fv.GetField(), Description: fv.GetDescription()})
			fv.Field = jsonFieldPath(input, fv.GetField())
			after = append(after, fv)
		}
		rewritten, err := anypb.New(&br)
		if err != nil {
			return st.Err()
		}
		p.Details[i] = rewritten
	}
	if len(after) == 0 {
		return err
	}
	if p.GetMessage() == invalidMessage(before) {
		p.Message = invalidMessage(after)
	}
	return status.FromProto(p).Err()
}

// invalidMessage is the message pkg/apperr (and badRequest) give a request
// with these violations.
func invalidMessage(violations []*errdetails.BadRequest_FieldViolation) string {
	parts := make([]string, 0, len(violations))
	for _, v := range violations {
		parts = append(parts, v.GetField()+": "+v.GetDescription())
	}
	return "invalid request: " + strings.Join(parts, "; ")
}

// jsonFieldPath spells path (dotted field names, "[i]" list indices, and map
// keys after a map field as AIP-161 writes them: "labels.colour" or
// "labels.`a.b`") with each field's JSON name, found by walking md. Indices
// and map keys stay as they are, and from the first segment that names no
// field of its message (a header such as "Idempotency-Key", or "body") the
// rest of the path is left unchanged.
func jsonFieldPath(md protoreflect.MessageDescriptor, path string) string {
	segments := splitFieldPath(path)
	mapKeyNext := false
	for i, seg := range segments {
		if md == nil {
			break
		}
		if mapKeyNext {
			mapKeyNext = false
			continue // a map key; md is already the map's value message
		}
		name, index, _ := strings.Cut(seg, "[")
		fd := md.Fields().ByName(protoreflect.Name(name))
		if fd == nil {
			fd = md.Fields().ByJSONName(name)
		}
		if fd == nil {
			break
		}
		segments[i] = fd.JSONName()
		if seg != name {
			segments[i] += "[" + index
		}
		switch {
		case fd.IsMap():
			md = fd.MapValue().Message()
			mapKeyNext = seg == name // "labels.colour", not "labels[colour]"
		default:
			md = fd.Message()
		}
	}
	return strings.Join(segments, ".")
}

// splitFieldPath splits path at the dots outside back-quoted map keys.
func splitFieldPath(path string) []string {
	var segments []string
	start, quoted := 0, false
	for i := 0; i < len(path); i++ {
		switch path[i] {
		case '`':
			quoted = !quoted // a doubled back-quote inside a key toggles twice
		case '.':
			if !quoted {
				segments = append(segments, path[start:i])
				start = i + 1
			}
		}
	}
	return append(segments, path[start:])
}
