package groupcommit

import "runtime"

// Queued reports how many calls wait for a batch.
func (q *Queue[I, R]) Queued() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.queue)
}

// Yield lets other goroutines run while a test waits for a state.
func Yield() { runtime.Gosched() }
