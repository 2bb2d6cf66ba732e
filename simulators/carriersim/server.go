package carriersim

import (
	"container/heap"
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/crossdock/crossdock/simulators/jsonapi"
	"github.com/crossdock/crossdock/simulators/webhookout"
)

// SignatureHeader carries a webhook's pkg/webhook signature.
const SignatureHeader = "Carrier-Signature"

// Server is the carrier's HTTP API, its simulated clock and its webhook
// sender. It is safe for concurrent use.
type Server struct {
	cfg      Config
	mux      *http.ServeMux
	rand     *random
	sender   *webhookout.Sender
	dispatch *dispatcher

	// ctx ends with Close and stops the loop and every delivery.
	ctx    context.Context
	cancel context.CancelFunc
	loop   sync.WaitGroup

	// mu guards the state below: one lock for everything is plenty for a
	// simulator, and it makes an idempotent request atomic.
	mu          sync.Mutex
	shipments   map[string]*shipment // by waybill
	byReference map[string]*shipment
	due         dueQueue // shipments with events to come, soonest first
	late        []lateEvent
	feed        []json.RawMessage // every published event; seq seqBase+n is feed[n-1]
	// seqBase is the wall clock in microseconds when the server started: a
	// carrier's feed numbers only go up, and the feed is in memory, so a
	// restarted simulator numbering from 1 again would be read from the
	// position its last run reached, its events skipped until the feed
	// caught up. Started later, its numbers are above the last run's.
	seqBase int64
}

// New returns a running server for cfg, which must pass Validate. Close
// stops it.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg:         cfg,
		mux:         http.NewServeMux(),
		rand:        newRandom(cfg.Seed),
		ctx:         ctx,
		cancel:      cancel,
		shipments:   map[string]*shipment{},
		byReference: map[string]*shipment{},
		seqBase:     time.Now().UnixMicro(),
		sender: &webhookout.Sender{
			URL: cfg.WebhookURL, Secret: cfg.WebhookSecret, Header: SignatureHeader,
			RetryInitial: cfg.RetryInitial, RetryMax: cfg.RetryMax, MaxAttempts: cfg.MaxAttempts,
			Timeout: cfg.DeliveryTimeout, Client: cfg.Client, Now: cfg.Now, Log: cfg.Log,
		},
	}
	s.dispatch = newDispatcher(ctx, cfg.Workers, s.send)
	api := jsonapi.New(jsonapi.Options{
		APIKey: cfg.APIKey, FailRate: cfg.FailRate, LostAnswerRate: cfg.LostAnswerRate, Rand: s.rand.Float64, FaultCode: "carrier_fault",
		Now: cfg.Now, State: &s.mu,
	})
	s.mux.HandleFunc("GET /healthz", jsonapi.Healthz)
	s.mux.Handle("POST /v1/shipments", api.Handle(true, s.book))
	s.mux.Handle("GET /v1/shipments/{waybill}", api.Handle(true, s.getShipment))
	s.mux.Handle("POST /v1/shipments/{waybill}/cancel", api.Handle(true, s.cancelShipment))
	s.mux.Handle("GET /v1/shipments/{waybill}/events", api.Handle(true, s.shipmentEvents))
	s.mux.Handle("GET /v1/events", api.Handle(true, s.feedPage))
	s.mux.HandleFunc("/", jsonapi.NoRoute)
	s.loop.Add(1)
	go s.run()
	return s, nil
}

// Handler serves the API.
func (s *Server) Handler() http.Handler { return s.mux }

// Close stops the clock and every delivery and waits for them.
func (s *Server) Close() {
	s.cancel()
	s.loop.Wait()
	s.dispatch.close()
}

// Quiet reports whether nothing more will happen unless asked: every
// journey has ended or been cancelled, no late event waits for the feed,
// and no webhook is queued or being sent. Tests wait for it.
func (s *Server) Quiet() bool {
	s.mu.Lock()
	busy := s.due.Len() > 0 || len(s.late) > 0
	s.mu.Unlock()
	return !busy && s.dispatch.idle()
}

// run is the clock: every Tick it makes the events whose time has come
// happen and publishes the late events whose delay is over.
func (s *Server) run() {
	defer s.loop.Done()
	t := time.NewTicker(s.cfg.Tick)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
			s.advance(s.cfg.Now())
		}
	}
}

// advance makes everything due by now happen, each shipment's events in
// order.
func (s *Server) advance(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.due.Len() > 0 {
		sh := s.due[0]
		at, _ := sh.due()
		if at.After(now) {
			break
		}
		s.happen(sh)
		if _, more := sh.due(); more {
			heap.Fix(&s.due, 0)
		} else {
			heap.Pop(&s.due)
		}
	}
	s.releaseLate(now)
}

// schedule puts a shipment with a plan in the due queue. The caller holds
// s.mu.
func (s *Server) schedule(sh *shipment) {
	if _, ok := sh.due(); ok {
		heap.Push(&s.due, sh)
	}
}

// unschedule takes a shipment out of the due queue. The caller holds s.mu.
func (s *Server) unschedule(sh *shipment) {
	if sh.heapIndex >= 0 {
		heap.Remove(&s.due, sh.heapIndex)
	}
}

// send delivers one webhook, twice when the duplicate fault struck (the
// second only once the first got through).
func (s *Server) send(ctx context.Context, d delivery) {
	if s.sender.Send(ctx, d.id, d.typ, d.body) && d.twice {
		s.sender.Send(ctx, d.id, d.typ, d.body)
	}
}

// dueQueue orders shipments by the time of their next event
// (container/heap).
type dueQueue []*shipment

func (q dueQueue) Len() int { return len(q) }
func (q dueQueue) Less(i, j int) bool {
	a, _ := q[i].due()
	b, _ := q[j].due()
	return a.Before(b)
}
func (q dueQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].heapIndex, q[j].heapIndex = i, j
}
func (q *dueQueue) Push(x any) {
	sh := x.(*shipment)
	sh.heapIndex = len(*q)
	*q = append(*q, sh)
}
func (q *dueQueue) Pop() any {
	old := *q
	sh := old[len(old)-1]
	old[len(old)-1] = nil
	sh.heapIndex = -1
	*q = old[:len(old)-1]
	return sh
}
