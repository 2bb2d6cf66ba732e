package inbox

import "context"

// SetAfterCommit makes the consumer run fn between committing and acking, so
// tests can kill it there.
func SetAfterCommit(c *Consumer, fn func(context.Context) error) { c.afterCommit = fn }

// Prune deletes the consumer's inbox rows older than its retention.
func Prune(ctx context.Context, c *Consumer) (int64, error) { c.defaults(); return c.prune(ctx) }

// SetUp creates or updates the consumer's durable and returns its filter.
func SetUp(ctx context.Context, c *Consumer) ([]string, error) {
	c.defaults()
	cons, err := c.setUp(ctx)
	if err != nil {
		return nil, err
	}
	return cons.CachedInfo().Config.FilterSubjects, nil
}
