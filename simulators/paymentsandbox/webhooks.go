package paymentsandbox

import (
	"encoding/json"
	"fmt"

	"github.com/crossdock/crossdock/simulators/jsonapi"
)

// SignatureHeader carries a delivery's pkg/webhook signature.
const SignatureHeader = "Sandbox-Signature"

// event is one webhook event; its body is encoded once, so every delivery
// of it (retries, duplicates) sends the same bytes under the same id.
type event struct {
	ID   string
	Type string
	body []byte
}

type eventJSON struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Type    string `json:"type"`
	Created int64  `json:"created"`
	Data    struct {
		Object any `json:"object"`
	} `json:"data"`
}

func (s *Server) newEvent(typ string, obj any) event {
	e := eventJSON{ID: jsonapi.NewID("evt_"), Object: "event", Type: typ, Created: s.cfg.Now().Unix()}
	e.Data.Object = obj
	body, err := json.Marshal(e)
	if err != nil {
		panic(fmt.Errorf("paymentsandbox: encode event: %w", err))
	}
	return event{ID: e.ID, Type: typ, body: body}
}

// deliveryPlan is how one event is delivered: the fault a confirm asked for
// and, for out_of_order, the stale event sent after it.
type deliveryPlan struct {
	fault string
	stale *event
}

// deliver sends ev in the background as plan says: after WebhookDelay (and
// LateDelay when late), retried until 2xx, then again when twice or by
// WebhookDuplicateRate, then the stale event. A lost plan, or the
// WebhookLossRate, sends nothing: the receiver learns the outcome only by
// asking. The caller holds s.mu.
func (s *Server) deliver(ev event, plan deliveryPlan) {
	if s.cfg.WebhookURL == "" {
		return
	}
	if plan.fault == faultLost || (s.cfg.WebhookLossRate > 0 && s.cfg.Rand() < s.cfg.WebhookLossRate) {
		s.cfg.Log.Info("webhook lost on purpose", "event", ev.ID, "type", ev.Type)
		return
	}
	delay := s.cfg.WebhookDelay
	if plan.fault == faultLate {
		delay += s.cfg.LateDelay
	}
	sends := []event{ev}
	if plan.fault == faultTwice || (s.cfg.WebhookDuplicateRate > 0 && s.cfg.Rand() < s.cfg.WebhookDuplicateRate) {
		sends = append(sends, ev)
	}
	if plan.stale != nil {
		sends = append(sends, *plan.stale)
	}
	s.after(delay, func() {
		for _, e := range sends {
			if !s.send(e) {
				return
			}
		}
	})
}

// send delivers one event until the receiver answers 2xx (webhookout). It
// reports whether the event was delivered.
func (s *Server) send(ev event) bool { return s.sender.Send(s.ctx, ev.ID, ev.Type, ev.body) }
