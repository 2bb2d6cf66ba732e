package dlq

import (
	"encoding/base64"
	"maps"
	"slices"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	// The areas whose events can be dead-lettered, so their payloads print
	// as JSON rather than bytes.
	_ "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	_ "github.com/crossdock/crossdock/gen/crossdock/docking/v1"
	_ "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	_ "github.com/crossdock/crossdock/gen/crossdock/freight/v1"
	_ "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	_ "github.com/crossdock/crossdock/gen/crossdock/logistics/v1"
	_ "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
	_ "github.com/crossdock/crossdock/gen/crossdock/users/v1"
)

// Payload renders an event payload: as indented JSON when its type is
// known, otherwise as base64 with a note why.
func Payload(eventType string, payload []byte) string {
	mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(eventType))
	if err != nil {
		return "(type " + eventType + " unknown here; base64) " + base64.StdEncoding.EncodeToString(payload)
	}
	msg := mt.New().Interface()
	if err := proto.Unmarshal(payload, msg); err != nil {
		return "(does not decode as " + eventType + ": " + err.Error() + "; base64) " + base64.StdEncoding.EncodeToString(payload)
	}
	b, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(msg)
	if err != nil {
		return base64.StdEncoding.EncodeToString(payload)
	}
	return string(b)
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
