package outbox

import "context"

// SetAfterPublish makes the relay run fn between publishing and marking, so tests
// can kill it there.
func SetAfterPublish(r *Relay, fn func(context.Context) error) { r.afterPublish = fn }
