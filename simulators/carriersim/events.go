package carriersim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/crossdock/crossdock/simulators/jsonapi"
)

// The types of event.
const (
	eventTracking = "tracking"
	eventCharge   = "charge"
)

// eventJSON is an event on the wire, in the feed and in a webhook alike.
type eventJSON struct {
	ID            string      `json:"id"`
	Seq           int64       `json:"seq"`
	SeqInShipment int         `json:"seq_in_shipment"`
	Type          string      `json:"type"`
	Waybill       string      `json:"waybill"`
	Reference     string      `json:"reference"`
	OccurredAt    time.Time   `json:"occurred_at"`
	Status        string      `json:"status,omitempty"`
	Leg           string      `json:"leg"`
	Location      place       `json:"location"`
	Description   string      `json:"description"`
	Charge        *chargeJSON `json:"charge,omitempty"`
}

// happen makes a shipment's next planned event happen: the truth moves (its
// status and position), and the event is published now or, when the late
// fault strikes, LateDelay later. The caller holds s.mu.
func (s *Server) happen(sh *shipment) {
	p := sh.plan[sh.next]
	sh.next++
	sh.seq++
	ev := eventJSON{
		ID: jsonapi.NewID("cev_"), SeqInShipment: sh.seq, Type: p.typ, Waybill: sh.Waybill, Reference: sh.Reference,
		OccurredAt: p.at.UTC(), Status: p.status, Leg: p.leg, Location: p.loc, Description: p.description, Charge: p.charge,
	}
	if p.typ == eventTracking {
		sh.Status, sh.Position = p.status, p.loc
		if p.status == statusDelivered {
			at := ev.OccurredAt
			sh.DeliveredAt = &at
		}
	}
	if s.rand.chance(s.cfg.LateRate) {
		sh.late++
		s.late = append(s.late, lateEvent{release: p.at.Add(s.cfg.LateDelay), sh: sh, ev: ev})
		return
	}
	s.publish(sh, ev)
}

// lateEvent is an event the late fault holds out of the feed until release.
type lateEvent struct {
	release time.Time
	sh      *shipment
	ev      eventJSON
}

// releaseLate publishes the late events whose delay is over. The caller
// holds s.mu.
func (s *Server) releaseLate(now time.Time) {
	kept := s.late[:0]
	for _, l := range s.late {
		if l.release.After(now) {
			kept = append(kept, l)
			continue
		}
		l.sh.late--
		s.publish(l.sh, l.ev)
	}
	clear(s.late[len(kept):])
	s.late = kept
}

// publish gives ev the next feed seq, appends it to the feed and to its
// shipment's events, and hands its webhook over as the delivery faults say.
// The caller holds s.mu.
func (s *Server) publish(sh *shipment, ev eventJSON) {
	ev.Seq = s.seqBase + int64(len(s.feed)) + 1
	body, err := json.Marshal(ev)
	if err != nil {
		panic(fmt.Errorf("carriersim: encode event: %w", err))
	}
	s.feed = append(s.feed, body)
	sh.events = append(sh.events, body)
	if s.cfg.WebhookURL == "" {
		return
	}
	d := delivery{id: ev.ID, typ: ev.Type, body: body}
	lost := s.rand.chance(s.cfg.LoseRate)
	if !lost && s.rand.chance(s.cfg.DuplicateRate) {
		d.twice = true
	}
	// Held webhooks go once this event has been handed over (or lost): they
	// arrive after it. An event is held only while another is to follow.
	held := sh.held
	sh.held = nil
	switch {
	case lost:
	case sh.morePending() && s.rand.chance(s.cfg.ReorderRate):
		sh.held = append(sh.held, d)
	default:
		s.dispatch.enqueue(&sh.out, d)
	}
	for _, h := range held {
		s.dispatch.enqueue(&sh.out, h)
	}
}

// shipmentEvents answers GET /v1/shipments/{waybill}/events: the shipment's
// published events in feed order.
func (s *Server) shipmentEvents(r *http.Request, _ []byte) jsonapi.Response {
	sh, err := s.lookup(r)
	if err != nil {
		return err.Response()
	}
	return jsonapi.Response{Status: http.StatusOK, Body: map[string]any{"events": nonNil(sh.events)}}
}

// The page sizes of the feed.
const (
	defaultFeedLimit = 100
	maxFeedLimit     = 1000
)

// feedPage answers GET /v1/events?after=<seq>&limit=<n>: every published event
// with a seq above after, in seq order, and whether more follow.
func (s *Server) feedPage(r *http.Request, _ []byte) jsonapi.Response {
	q := r.URL.Query()
	after, limit := int64(0), defaultFeedLimit
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return jsonapi.Invalid("after", "after must be a seq, 0 or more, got "+quote(v)).Response()
		}
		after = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxFeedLimit {
			return jsonapi.Invalid("limit", "limit must be from 1 to 1000, got "+quote(v)).Response()
		}
		limit = n
	}
	// seq seqBase+n is s.feed[n-1]: the page starts at index after-seqBase
	// (a position of an earlier run's feed, below seqBase, reads it all).
	start := int(min(max(after-s.seqBase, 0), int64(len(s.feed))))
	end := min(start+limit, len(s.feed))
	return jsonapi.Response{Status: http.StatusOK, Body: map[string]any{
		"events":   nonNil(s.feed[start:end:end]),
		"has_more": end < len(s.feed),
	}}
}

// nonNil makes an empty list encode as [] rather than null.
func nonNil(events []json.RawMessage) []json.RawMessage {
	if events == nil {
		return []json.RawMessage{}
	}
	return events
}
