package inbox

import "context"

// SetAfterCommit makes the consumer run fn between committing and acking, so
// tests can kill it there.
func SetAfterCommit(c *Consumer, fn func(context.Context) error) { c.afterCommit = fn }
