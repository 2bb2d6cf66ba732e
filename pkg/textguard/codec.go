package textguard

import (
	"google.golang.org/grpc/encoding"
	grpcproto "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Codec is the server's protobuf codec. It decodes like the standard one,
// except that a string field holding invalid UTF-8 is kept as it came
// instead of failing the whole decode. grpc-go answers any decode failure
// with an Internal error that names no field, before any interceptor runs;
// with this codec the request reaches the kit's interceptors, and the
// textguard check refuses it as InvalidArgument naming the field, exactly
// as the gateway does for the same input. Wire-format errors still fail the
// decode as before.
func Codec() encoding.CodecV2 {
	return lenientCodec{base: encoding.GetCodecV2(grpcproto.Name)}
}

type lenientCodec struct{ base encoding.CodecV2 }

func (c lenientCodec) Name() string { return c.base.Name() }

func (c lenientCodec) Marshal(v any) (mem.BufferSlice, error) { return c.base.Marshal(v) }

func (c lenientCodec) Unmarshal(data mem.BufferSlice, v any) error {
	err := c.base.Unmarshal(data, v)
	m, ok := v.(proto.Message)
	if err == nil || !ok {
		return err
	}
	// The standard decode refused the bytes; decode again keeping invalid
	// strings. Anything else wrong with them fails this decode too, and the
	// caller gets the first error.
	proto.Reset(m)
	buf := data.Materialize()
	if decodeKeepingStrings(buf, m.ProtoReflect()) != nil {
		proto.Reset(m)
		return err
	}
	return nil
}

// decodeKeepingStrings decodes b into m. String fields (singular, repeated,
// string-keyed maps of strings or messages) are set from their raw bytes,
// message fields are decoded the same way, and every other field goes
// through the standard decoder, which keeps its checks for them.
func decodeKeepingStrings(b []byte, m protoreflect.Message) error {
	var rest []byte
	fields := m.Descriptor().Fields()
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		vn := protowire.ConsumeFieldValue(num, typ, b[n:])
		if vn < 0 {
			return protowire.ParseError(vn)
		}
		field := b[:n+vn]
		b = b[n+vn:]
		fd := fields.ByNumber(num)
		if fd == nil || typ != protowire.BytesType {
			rest = append(rest, field...)
			continue
		}
		val, _ := protowire.ConsumeBytes(field[n:])
		handled, err := decodeField(m, fd, val)
		if err != nil {
			return err
		}
		if !handled {
			rest = append(rest, field...)
		}
	}
	if len(rest) == 0 {
		return nil
	}
	return proto.UnmarshalOptions{Merge: true}.Unmarshal(rest, m.Interface())
}

// decodeField sets one length-delimited field of m from its value bytes,
// or reports that the standard decoder should have it.
func decodeField(m protoreflect.Message, fd protoreflect.FieldDescriptor, val []byte) (bool, error) {
	switch {
	case fd.IsMap():
		return decodeMapEntry(m.Mutable(fd).Map(), fd, val)
	case fd.Kind() == protoreflect.StringKind && fd.IsList():
		m.Mutable(fd).List().Append(protoreflect.ValueOfString(string(val)))
		return true, nil
	case fd.Kind() == protoreflect.StringKind:
		m.Set(fd, protoreflect.ValueOfString(string(val)))
		return true, nil
	case fd.Kind() == protoreflect.MessageKind && fd.IsList():
		list := m.Mutable(fd).List()
		elem := list.NewElement()
		if err := decodeKeepingStrings(val, elem.Message()); err != nil {
			return false, err
		}
		list.Append(elem)
		return true, nil
	case fd.Kind() == protoreflect.MessageKind:
		// A repeated occurrence of a singular message merges into it.
		return true, decodeKeepingStrings(val, m.Mutable(fd).Message())
	}
	return false, nil
}

// decodeMapEntry handles the maps request messages use: string keys with
// string or message values. Other maps go to the standard decoder.
func decodeMapEntry(mp protoreflect.Map, fd protoreflect.FieldDescriptor, entry []byte) (bool, error) {
	if fd.MapKey().Kind() != protoreflect.StringKind {
		return false, nil
	}
	valueKind := fd.MapValue().Kind()
	if valueKind != protoreflect.StringKind && valueKind != protoreflect.MessageKind {
		return false, nil
	}
	var key string
	var raw []byte
	for len(entry) > 0 {
		num, typ, n := protowire.ConsumeTag(entry)
		if n < 0 {
			return false, protowire.ParseError(n)
		}
		vn := protowire.ConsumeFieldValue(num, typ, entry[n:])
		if vn < 0 {
			return false, protowire.ParseError(vn)
		}
		if typ == protowire.BytesType && (num == 1 || num == 2) {
			v, _ := protowire.ConsumeBytes(entry[n : n+vn])
			if num == 1 {
				key = string(v)
			} else {
				raw = v
			}
		}
		entry = entry[n+vn:]
	}
	mk := protoreflect.ValueOfString(key).MapKey()
	if valueKind == protoreflect.StringKind {
		mp.Set(mk, protoreflect.ValueOfString(string(raw)))
		return true, nil
	}
	v := mp.NewValue()
	if err := decodeKeepingStrings(raw, v.Message()); err != nil {
		return false, err
	}
	mp.Set(mk, v)
	return true, nil
}
