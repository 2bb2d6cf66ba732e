// Package webhookout delivers a simulator's webhooks the way providers do:
// each event POSTed as JSON to one URL, signed with pkg/webhook in a header
// of the simulator's naming, retried with jittered exponential backoff until
// the receiver answers 2xx or the attempts run out. Every attempt is signed
// anew (a retry minutes later is still inside the receiver's window) and
// carries the same body, so the receiver deduplicates on the event id.
package webhookout

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/crossdock/crossdock/pkg/retry"
	"github.com/crossdock/crossdock/pkg/webhook"
)

// Sender posts events to one receiver. Its fields are set once, before the
// first Send; Send is safe for concurrent use.
type Sender struct {
	// URL receives the events.
	URL string
	// Secret signs them; Header carries the signature.
	Secret []byte
	Header string
	// RetryInitial and RetryMax shape the backoff between attempts;
	// MaxAttempts bounds them.
	RetryInitial, RetryMax time.Duration
	MaxAttempts            int
	// Timeout bounds one attempt.
	Timeout time.Duration
	Client  *http.Client
	Now     func() time.Time
	Log     *slog.Logger
}

// Send delivers body until the receiver answers 2xx, with backoff between
// attempts and at most MaxAttempts of them, or until ctx ends. id and typ
// only label the log lines. It reports whether the event was delivered.
func (s *Sender) Send(ctx context.Context, id, typ string, body []byte) bool {
	b := retry.Exponential(s.RetryInitial, s.RetryMax)
	for attempt := 1; ; attempt++ {
		err := s.post(ctx, body)
		if err == nil {
			return true
		}
		if attempt >= s.MaxAttempts || ctx.Err() != nil {
			s.Log.Error("webhook not delivered, giving up", "event", id, "type", typ, "attempts", attempt, "err", err)
			return false
		}
		wait := b.NextBackOff()
		s.Log.Warn("webhook not delivered, retrying", "event", id, "type", typ, "attempt", attempt, "in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return false
		}
	}
}

func (s *Sender) post(ctx context.Context, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(s.Header, webhook.Sign(s.Secret, s.Now(), body))
	res, err := s.Client.Do(req)
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
