package outbox

import (
	"context"
	"time"
)

// SetAfterPublish makes the relay run fn between publishing and marking, so tests
// can kill it there.
func SetAfterPublish(r *Relay, fn func(context.Context) error) { r.afterPublish = fn }

// Looks is how many claims the relay tried, found rows or not.
func Looks(r *Relay) int64 { return r.looks.Load() }

// SetAckTimeout bounds the relay's wait for a batch's acknowledgements.
func SetAckTimeout(r *Relay, d time.Duration) { r.ackTimeout = d }

// SetPruneBatch bounds the rows one prune statement deletes.
func SetPruneBatch(r *Relay, n int) { r.pruneBatch = n }
