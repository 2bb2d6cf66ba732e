package server

import (
	"context"

	"google.golang.org/grpc/metadata"
)

// IdempotencyKey is a command's idempotency key: the request's own field
// when set, else the Idempotency-Key header the gateway forwards as
// metadata, so REST clients can use the header they know and gRPC clients
// the field.
func IdempotencyKey(ctx context.Context, fromRequest string) string {
	if fromRequest != "" {
		return fromRequest
	}
	if v := metadata.ValueFromIncomingContext(ctx, "idempotency-key"); len(v) == 1 {
		return v[0]
	}
	return ""
}
