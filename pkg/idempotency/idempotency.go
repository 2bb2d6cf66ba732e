// Package idempotency is what the services' idempotent commands share:
// where a command's key comes from, how a retry is told apart from the key
// reused with other parameters, and the error for the latter. Each service
// stores its keys in its own database, in the command's transaction.
package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"google.golang.org/grpc/metadata"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// ReasonKeyReused is the ErrorInfo reason of every key that comes back with
// other parameters than its first use, whatever the command: clients match
// on one name.
const ReasonKeyReused = "IDEMPOTENCY_KEY_REUSED"

// ErrKeyReused is a key that comes back with other parameters than its
// first use.
var ErrKeyReused = apperr.AlreadyExists("the idempotency key was used before with other parameters").
	WithReason(ReasonKeyReused)

// MaxKeyLen bounds a key, in bytes.
const MaxKeyLen = 128

// CheckKey refuses a key longer than MaxKeyLen, as the field
// "idempotency_key"; no key is fine.
func CheckKey(key string) error {
	if len(key) > MaxKeyLen {
		return apperr.InvalidField("idempotency_key", "must be at most 128 bytes")
	}
	return nil
}

// Key is a command's idempotency key: the request's own field when set,
// else the Idempotency-Key header the gateway forwards as metadata, so REST
// clients can use the header they know and gRPC clients the field.
func Key(ctx context.Context, fromRequest string) string {
	if fromRequest != "" {
		return fromRequest
	}
	if v := metadata.ValueFromIncomingContext(ctx, "idempotency-key"); len(v) == 1 {
		return v[0]
	}
	return ""
}

// Fingerprint hashes a request's canonical form, its JSON (in which maps
// marshal with sorted keys), as hex: the same request always has the same
// fingerprint, another one (almost surely) not.
func Fingerprint(v any) string {
	b, _ := json.Marshal(v) // requests are plain structs of strings, numbers, ids and maps
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
