// Package httpjson is the client side of the JSON APIs Crossdock calls
// outside its mesh: the payment provider, the carriers and the supply
// platforms. They follow Stripe's conventions (a bearer API key, JSON
// bodies, an Idempotency-Key on creating calls, errors as
// {"error": {"type", "code", "message", "param"}}), so a request is built,
// and a failed answer read, in one place. What an answer means is each
// adapter's to decide.
package httpjson

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// NewRequest is a call of method on url: body encoded as JSON (no body when
// nil), apiKey as the bearer token, and idempotencyKey as the
// Idempotency-Key header when not empty.
func NewRequest(ctx context.Context, method, url, apiKey, idempotencyKey string, body any) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encode request: %w", err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+apiKey)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", idempotencyKey)
	}
	return req, nil
}

// ReadBody reads an answer's body, at most limit bytes of it, and closes it.
func ReadBody(res *http.Response, limit int64) ([]byte, error) {
	defer res.Body.Close()
	return io.ReadAll(io.LimitReader(res.Body, limit))
}

// Error is the error object of a failed answer.
type Error struct {
	Type    string `json:"type"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Param   string `json:"param"`
}

// ParseError reads the error object of a failed answer's body; a body that
// is not one gives the zero Error, and the caller falls back on the status.
func ParseError(body []byte) Error {
	var e struct {
		Error Error `json:"error"`
	}
	_ = json.Unmarshal(body, &e)
	return e.Error
}

// maxRetryAfterSeconds is the longest wait RetryAfter takes from an answer.
const maxRetryAfterSeconds = 24 * 3600

// RetryAfter is how long a 429 or 503 answer asks the caller to wait: its
// Retry-After in seconds, at most a day (a partner's bug would otherwise
// stop all work with it for as long as it said). The HTTP-date form, rare
// from APIs, and anything unreadable give zero, "unspecified", and the
// caller's own backoff decides.
func RetryAfter(res *http.Response) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(res.Header.Get("Retry-After")))
	if err != nil || n < 0 {
		return 0
	}
	return time.Duration(min(n, maxRetryAfterSeconds)) * time.Second
}
