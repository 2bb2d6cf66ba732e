package carriersim

import (
	"context"
	"sync"
)

// delivery is one webhook to send: the event's body, once or twice.
type delivery struct {
	id, typ string
	body    []byte
	twice   bool
}

// outbox is one shipment's queue of webhooks. Its fields are guarded by the
// dispatcher's lock.
type outbox struct {
	queue []delivery
	// ready is true while the outbox waits for a worker or has one.
	ready bool
}

// dispatcher sends webhooks with a fixed pool of workers: a thousand
// shipments in flight never mean a thousand goroutines. A worker takes a
// shipment's outbox and sends its queue in order, so one shipment's events
// leave in the order they were handed over while other shipments' go
// alongside.
type dispatcher struct {
	send func(ctx context.Context, d delivery)

	mu      sync.Mutex
	wake    *sync.Cond
	ready   []*outbox
	pending int // deliveries queued or being sent
	closed  bool
	wg      sync.WaitGroup
}

func newDispatcher(ctx context.Context, workers int, send func(ctx context.Context, d delivery)) *dispatcher {
	d := &dispatcher{send: send}
	d.wake = sync.NewCond(&d.mu)
	for range workers {
		d.wg.Add(1)
		go d.work(ctx)
	}
	return d
}

// enqueue queues dl on o.
func (d *dispatcher) enqueue(o *outbox, dl delivery) {
	d.mu.Lock()
	defer d.mu.Unlock()
	o.queue = append(o.queue, dl)
	d.pending++
	if !o.ready {
		o.ready = true
		d.ready = append(d.ready, o)
		d.wake.Signal()
	}
}

func (d *dispatcher) work(ctx context.Context) {
	defer d.wg.Done()
	d.mu.Lock()
	defer d.mu.Unlock()
	for {
		for len(d.ready) == 0 && !d.closed {
			d.wake.Wait()
		}
		if d.closed {
			return
		}
		o := d.ready[0]
		d.ready[0] = nil
		d.ready = d.ready[1:]
		for len(o.queue) > 0 && !d.closed {
			dl := o.queue[0]
			o.queue = o.queue[1:]
			d.mu.Unlock()
			d.send(ctx, dl)
			d.mu.Lock()
			d.pending--
		}
		o.queue = nil
		o.ready = false
	}
}

// idle reports whether nothing is queued or being sent.
func (d *dispatcher) idle() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.pending == 0
}

// close stops the workers once their current sends end (the caller cancels
// their context first) and waits for them.
func (d *dispatcher) close() {
	d.mu.Lock()
	d.closed = true
	d.wake.Broadcast()
	d.mu.Unlock()
	d.wg.Wait()
}
