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
// the caller's transaction: the first use records the id create returns; a
// retry with the same fingerprint gets that id back (created false) and
// creates nothing; the key with another fingerprint is idempotency.ErrKeyReused. Without
// a key, create simply runs.
func createdOnce(ctx context.Context, r Keys, scope, key, fp string, now time.Time, create func() (uuid.UUID, error)) (id uuid.UUID, created bool, err error) {
	if key == "" {
		id, err = create()
		return id, true, err
	}
	claimed, stored, err := r.ClaimKey(ctx, scope, key, fp, now)
	if err != nil {
		return uuid.Nil, false, err
	}
	if !claimed {
		if stored.Fingerprint != fp {
			return uuid.Nil, false, idempotency.ErrKeyReused
		}
		var id uuid.UUID
		if err := json.Unmarshal(stored.Result, &id); err != nil {
			return uuid.Nil, false, fmt.Errorf("key %s in %s: stored result: %w", key, scope, err)
		}
		return id, false, nil
	}
	if id, err = create(); err != nil {
		return uuid.Nil, false, err
	}
	b, err := json.Marshal(id)
	if err != nil {
		return uuid.Nil, false, err
	}
	return id, true, r.SaveKeyResult(ctx, scope, key, b)
}
