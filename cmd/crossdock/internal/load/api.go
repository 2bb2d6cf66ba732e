package load

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"google.golang.org/grpc/codes"
)

// API calls one loopback HTTP endpoint (the gateway or the payment sandbox)
// with JSON bodies.
type API struct {
	Base string // no trailing slash
	HTTP *http.Client
	// Timeout bounds each call, so a request that hangs ends as an error
	// and a run always ends.
	Timeout time.Duration
}

// newHTTPClient builds a client that dials from local (nil: any address),
// never uses a proxy (the target is on this machine) and never follows a
// redirect (which could lead off it).
func newHTTPClient(local net.IP, perHost int) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	if local != nil {
		dialer.LocalAddr = &net.TCPAddr{IP: local}
	}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         dialer.DialContext,
			MaxIdleConns:        perHost,
			MaxIdleConnsPerHost: perHost,
			IdleConnTimeout:     90 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Call sends in (nil for no body) as JSON with the bearer token (none when
// empty) and decodes a 2xx answer into out (nil to ignore it). Any other
// answer is an *APIError.
func (a *API) Call(ctx context.Context, method, path, token string, in, out any) error {
	return a.CallOnce(ctx, method, path, token, "", in, out)
}

// CallOnce is Call with an Idempotency-Key (none when empty): the payment
// sandbox answers a retry under the same key with the first answer, so a
// retried confirmation whose answer was lost is not refused as a payment
// in the wrong state.
func (a *API) CallOnce(ctx context.Context, method, path, token, key string, in, out any) error {
	if a.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, a.Timeout)
		defer cancel()
	}
	var body io.Reader
	if in != nil {
		raw, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.Base+path, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := a.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return newAPIError(method, path, resp, raw)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return &UnexpectedError{What: fmt.Sprintf("%s %s: answer is not the expected JSON: %v", method, path, err)}
	}
	return nil
}

// APIError is an answer other than 2xx. The gateway's body is a
// google.rpc.Status ({"code", "message", "details"}); the payment sandbox's is
// {"error": {"type", "code", "message"}}.
type APIError struct {
	Method, Path string
	Status       int
	// Code is the gRPC code of a gateway error (Unknown when the body had
	// none).
	Code codes.Code
	// Reason is the google.rpc.ErrorInfo reason (INSUFFICIENT_STOCK), or the
	// sandbox's error code, when the answer gave one.
	Reason  string
	Message string
	// RetryAfter is the Retry-After header, when given.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("%s %s: HTTP %d", e.Method, e.Path, e.Status)
	if e.Code != codes.Unknown {
		msg += " " + codeName(e.Code)
	}
	if e.Reason != "" {
		msg += " (" + e.Reason + ")"
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Retryable is true for the answers that mean "not now" rather than "no":
// rate limited or unavailable.
func (e *APIError) Retryable() bool {
	return e.Status == http.StatusTooManyRequests || e.Status == http.StatusServiceUnavailable
}

func newAPIError(method, path string, resp *http.Response, raw []byte) *APIError {
	e := &APIError{Method: method, Path: path, Status: resp.StatusCode, Code: codes.Unknown}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
		e.RetryAfter = time.Duration(s) * time.Second
	}
	var body struct {
		Code    json.RawMessage `json:"code"`
		Message string          `json:"message"`
		Details []struct {
			Type   string `json:"@type"`
			Reason string `json:"reason"`
		} `json:"details"`
		Error *struct {
			Type, Code, Message string
		} `json:"error"`
	}
	if json.Unmarshal(raw, &body) != nil {
		e.Message = strings.TrimSpace(string(raw[:min(len(raw), 200)]))
		return e
	}
	if body.Error != nil {
		e.Reason, e.Message = body.Error.Code, body.Error.Message
		return e
	}
	var c codes.Code
	if len(body.Code) > 0 && c.UnmarshalJSON(body.Code) == nil {
		e.Code = c
	}
	e.Message = body.Message
	for _, d := range body.Details {
		if strings.HasSuffix(d.Type, "google.rpc.ErrorInfo") && d.Reason != "" {
			e.Reason = d.Reason
		}
	}
	return e
}

// UnexpectedError is a 2xx answer that is not what the step needs (a
// checkout without an order id, a payment that left the order unpaid).
type UnexpectedError struct{ What string }

func (e *UnexpectedError) Error() string { return e.What }

// ErrorClass names the kind of an error for the report, with few enough
// values to count by: "HTTP 409 FAILED_PRECONDITION INSUFFICIENT_STOCK",
// "timeout", "connection", "unexpected answer".
func ErrorClass(err error) string {
	var ae *APIError
	var ue *UnexpectedError
	var ne net.Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ae):
		class := "HTTP " + strconv.Itoa(ae.Status)
		if ae.Code != codes.Unknown {
			class += " " + codeName(ae.Code)
		}
		if ae.Reason != "" {
			class += " " + ae.Reason
		}
		return class
	case errors.As(err, &ue):
		return "unexpected answer"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	default:
		return "connection"
	}
}

// codeName is a gRPC code as the protos and docs write it:
// FailedPrecondition → FAILED_PRECONDITION.
func codeName(c codes.Code) string {
	s := c.String()
	if s == "OK" || strings.HasPrefix(s, "Code(") {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && unicode.IsUpper(r) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}
