package paymentsandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/crossdock/crossdock/pkg/retry"
	"github.com/crossdock/crossdock/pkg/webhook"
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
	e := eventJSON{ID: newID("evt_"), Object: "event", Type: typ, Created: s.cfg.Now().Unix()}
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
// WebhookDuplicateRate, then the stale event. The caller holds s.mu.
func (s *Server) deliver(ev event, plan deliveryPlan) {
	if s.cfg.WebhookURL == "" {
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

// send delivers one event until the receiver answers 2xx, with backoff
// between attempts and at most MaxAttempts of them. Each attempt is signed
// anew, so a retry minutes later is still inside the receiver's window. It
// reports whether the event was delivered.
func (s *Server) send(ev event) bool {
	b := retry.Exponential(s.cfg.RetryInitial, s.cfg.RetryMax)
	for attempt := 1; ; attempt++ {
		err := s.post(ev)
		if err == nil {
			return true
		}
		if attempt >= s.cfg.MaxAttempts || s.ctx.Err() != nil {
			s.cfg.Log.Error("webhook not delivered, giving up", "event", ev.ID, "type", ev.Type, "attempts", attempt, "err", err)
			return false
		}
		wait := b.NextBackOff()
		s.cfg.Log.Warn("webhook not delivered, retrying", "event", ev.ID, "type", ev.Type, "attempt", attempt, "in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-s.ctx.Done():
			t.Stop()
			return false
		}
	}
}

func (s *Server) post(ev event) error {
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.DeliveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.WebhookURL, bytes.NewReader(ev.body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, webhook.Sign(s.cfg.WebhookSecret, s.cfg.Now(), ev.body))
	res, err := s.cfg.Client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("receiver answered %s", res.Status)
	}
	return nil
}
