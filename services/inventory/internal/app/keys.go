package app

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/idempotency"
)

// createdOnce runs create at most once per idempotency key in scope, inside
// the caller's transaction: the first use records the id of what create
// made; a retry with the same fingerprint reads that back with read, as it
// is now, and creates nothing; the key with another fingerprint is
// idempotency.ErrKeyReused. Without a key, create simply runs.
func createdOnce[T any](ctx context.Context, r Keys, scope, key, fp string, now time.Time,
	create func() (T, uuid.UUID, error), read func(uuid.UUID) (T, error)) (T, error) {
	var zero T
	if key == "" {
		made, _, err := create()
		return made, err
	}
	claimed, stored, err := r.ClaimKey(ctx, scope, key, fp, now)
	if err != nil {
		return zero, err
	}
	if !claimed {
		if stored.Fingerprint != fp {
			return zero, idempotency.ErrKeyReused
		}
		var id uuid.UUID
		if err := json.Unmarshal(stored.Result, &id); err != nil {
			return zero, fmt.Errorf("key %s in %s: stored result: %w", key, scope, err)
		}
		return read(id)
	}
	made, id, err := create()
	if err != nil {
		return zero, err
	}
	b, err := json.Marshal(id)
	if err != nil {
		return zero, err
	}
	return made, r.SaveKeyResult(ctx, scope, key, b)
}
