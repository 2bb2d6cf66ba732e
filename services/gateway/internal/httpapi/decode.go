package httpapi

import (
	"bytes"
	"io"
	"reflect"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// bodyMarshaler is grpc-gateway's JSON marshaler whose decoder, when a body
// does not decode, says which field is wrong instead of passing on the
// parser's text ("proto: syntax error (line 1:5) …").
type bodyMarshaler struct {
	*runtime.JSONPb
}

// NewDecoder reads the whole body (the edge has already bounded it) and
// decodes it with protojson.
func (m bodyMarshaler) NewDecoder(r io.Reader) runtime.Decoder {
	return runtime.DecoderFunc(func(v any) error {
		raw, err := io.ReadAll(r)
		if err != nil {
			return bodyError{field: "body", desc: "could not be read"}
		}
		if len(bytes.TrimSpace(raw)) == 0 {
			return io.EOF // no body: the generated code carries on with an empty message
		}
		if err := m.JSONPb.Unmarshal(raw, v); err == nil {
			return nil
		}
		md := descriptorOf(v)
		if md == nil {
			return bodyError{field: "body", desc: "is not a valid request body"}
		}
		field, desc := diagnoseBody(md, raw)
		return bodyError{message: string(md.FullName()), field: field, desc: desc}
	})
}

// descriptorOf is the message type v decodes into: a message, or (for a route
// whose body is one field, body: "address") a pointer to the field's message
// pointer.
func descriptorOf(v any) protoreflect.MessageDescriptor {
	if pm, ok := v.(proto.Message); ok {
		return pm.ProtoReflect().Descriptor()
	}
	t := reflect.TypeOf(v)
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Pointer {
		return nil
	}
	if pm, ok := reflect.New(t.Elem().Elem()).Interface().(proto.Message); ok {
		return pm.ProtoReflect().Descriptor()
	}
	return nil
}

// bodyError carries the diagnosis of a refused body through grpc-gateway's
// generated code, which keeps only an error's text (as an InvalidArgument
// status message). errorHandler recognises the text by its prefix and turns
// it into a field violation; clients never see this form.
type bodyError struct {
	message     string // full name of the message the body was decoded into
	field, desc string
}

const bodyErrorPrefix = "\x00crossdock-body\x00"

func (e bodyError) Error() string {
	return bodyErrorPrefix + e.message + "\x00" + e.field + "\x00" + e.desc
}

// parseBodyError reverses bodyError.Error.
func parseBodyError(text string) (bodyError, bool) {
	rest, ok := strings.CutPrefix(text, bodyErrorPrefix)
	if !ok {
		return bodyError{}, false
	}
	parts := strings.SplitN(rest, "\x00", 3)
	if len(parts) != 3 {
		return bodyError{}, false
	}
	return bodyError{message: parts[0], field: parts[1], desc: parts[2]}, true
}
