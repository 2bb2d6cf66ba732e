package partnersim

import (
	"context"
	"crypto/ed25519"
	"errors"
	"log/slog"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	partnerv1 "github.com/crossdock/crossdock/gen/crossdock/partner/v1"
	"github.com/crossdock/crossdock/pkg/auth"
)

// Webhook delivery's pacing.
const (
	// webhookTimeout bounds one delivery attempt.
	webhookTimeout = 5 * time.Second
	// webhookAttempts is how often a notification Crossdock could not take
	// (unreachable, overloaded) is tried; then it is dropped, as Crossdock's
	// periodic pull still finds the order.
	webhookAttempts = 3
	// webhookBackoff is the wait before the second attempt, doubling.
	webhookBackoff = 200 * time.Millisecond
	// reorderWait is how long a notification held back for ReorderWebhooks
	// waits for a later one before it goes anyway.
	reorderWait = time.Second
)

// webhooks tells Crossdock of order changes: PartnerService.NotifyOrderChanged
// calls signed with the partner's own API client key, one at a time, in the
// order the changes happened but for the faults (DuplicateWebhooks,
// ReorderWebhooks). The Market only queues a change; one goroutine, started
// by newWebhooks and stopped by close, delivers them.
type webhooks struct {
	conn      *grpc.ClientConn
	client    partnerv1.PartnerServiceClient
	rand      *random
	duplicate float64
	reorder   float64
	log       *slog.Logger
	ctx       context.Context
	cancel    context.CancelFunc
	done      chan struct{}
	// wake says the queue has something; it holds one signal at most.
	wake chan struct{}

	mu      sync.Mutex
	queue   []OrderChange
	stopped bool
}

// newWebhooks starts delivering m's order changes to addr, signed with key
// as the client id clientID returns at the time (empty until the partner
// knows it: notifications are then dropped, and Crossdock's periodic pull
// finds the orders anyway).
func newWebhooks(addr string, clientID func() string, key ed25519.PrivateKey, m *Market, log *slog.Logger) (*webhooks, error) {
	sign := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		id := clientID()
		if id == "" {
			return errNoClientID
		}
		return auth.SignedUnaryClientInterceptor(id, key)(ctx, method, req, reply, cc, invoker, opts...)
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithChainUnaryInterceptor(sign))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &webhooks{conn: conn, client: partnerv1.NewPartnerServiceClient(conn), rand: m.rand,
		duplicate: m.cfg.Faults.DuplicateWebhooks, reorder: m.cfg.Faults.ReorderWebhooks, log: log,
		ctx: ctx, cancel: cancel, done: make(chan struct{}), wake: make(chan struct{}, 1)}
	m.OnOrderChange(w.enqueue)
	go w.run()
	return w, nil
}

// enqueue queues a change; it never blocks (the Market's lock is held).
func (w *webhooks) enqueue(c OrderChange) {
	w.mu.Lock()
	if !w.stopped {
		w.queue = append(w.queue, c)
	}
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// next takes the oldest queued change.
func (w *webhooks) next() (OrderChange, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.queue) == 0 {
		return OrderChange{}, false
	}
	c := w.queue[0]
	w.queue = w.queue[1:]
	return c, true
}

// run delivers queued changes until close. A change picked for reordering
// is held until the next one was delivered, or reorderWait passed.
func (w *webhooks) run() {
	defer close(w.done)
	var held *OrderChange
	var heldUntil <-chan time.Time
	for {
		c, ok := w.next()
		if !ok {
			select {
			case <-w.ctx.Done():
				return
			case <-w.wake:
			case <-heldUntil:
				w.deliver(*held)
				held, heldUntil = nil, nil
			}
			continue
		}
		if held == nil && w.rand.chance(w.reorder) {
			held, heldUntil = &c, time.After(reorderWait)
			continue
		}
		w.deliver(c)
		if held != nil {
			w.deliver(*held)
			held, heldUntil = nil, nil
		}
	}
}

// deliver sends one notification, twice for a share DuplicateWebhooks.
func (w *webhooks) deliver(c OrderChange) {
	w.send(c)
	if w.rand.chance(w.duplicate) {
		w.send(c)
	}
}

// send makes one notification's attempts.
func (w *webhooks) send(c OrderChange) {
	req := &partnerv1.NotifyOrderChangedRequest{OrderId: c.OrderID, UpdatedAt: timestamppb.New(c.UpdatedAt)}
	wait := webhookBackoff
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(w.ctx, webhookTimeout)
		_, err := w.client.NotifyOrderChanged(ctx, req)
		cancel()
		if err == nil || w.ctx.Err() != nil {
			return
		}
		if attempt == webhookAttempts || !transient(err) {
			w.log.Warn("an order notification to Crossdock failed; dropped", "order_id", c.OrderID, "attempts", attempt, "error", err)
			return
		}
		select {
		case <-time.After(wait):
		case <-w.ctx.Done():
			return
		}
		wait *= 2
	}
}

// errNoClientID is a notification before the partner knows the API client
// Crossdock registered it with.
var errNoClientID = errors.New("partnersim: the partner's Crossdock API client id is not known yet (set it, or let Crossdock verify the partner)")

// transient is a failure worth another attempt.
func transient(err error) bool {
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted:
		return true
	}
	return errors.Is(err, context.DeadlineExceeded)
}

// close stops delivering, drops what is queued and waits for the sender.
func (w *webhooks) close() {
	w.mu.Lock()
	w.stopped = true
	w.queue = nil
	w.mu.Unlock()
	w.cancel()
	<-w.done
	_ = w.conn.Close()
}
