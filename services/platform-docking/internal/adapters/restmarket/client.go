package restmarket

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/crossdock/crossdock/pkg/httpjson"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/partnertls"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// maxAnswer bounds an answer read from a partner: a page of 100 trades is
// well under it, and a partner must not make us hold gigabytes.
const maxAnswer = 8 << 20

// Client calls REST marketplaces. It holds no partner: every call takes the
// partner as registered, so an edited endpoint or rotated secret is used at
// once.
type Client struct {
	http    *partnertls.HTTPClient
	timeout time.Duration
	now     func() time.Time
}

// New returns a client calling partners over transport, each call bounded
// by timeout: https endpoints verified against the transport's roots, and
// http ones only where the transport allows plaintext. A redirect is held to
// the same rule, so an https endpoint cannot send the signed form on in
// plaintext.
func New(transport partnertls.Transport, timeout time.Duration) *Client {
	return &Client{http: transport.HTTPClient(), timeout: timeout, now: time.Now}
}

// App returns the client as docking's connector: REST marketplaces take
// listings, have orders, take waybills and settle.
func (c *Client) App() app.Connector {
	return app.Connector{Listings: c, Orders: c, Shipments: c, Settlements: c}
}

var (
	_ app.ListingConnector    = (*Client)(nil)
	_ app.OrderConnector      = (*Client)(nil)
	_ app.ShipmentConnector   = (*Client)(nil)
	_ app.SettlementConnector = (*Client)(nil)
)

// call signs and sends one method with its parameters and decodes the
// method's answer (the object under "<method>_response") into out.
func (c *Client) call(ctx context.Context, p domain.Partner, method string, params url.Values, out any) error {
	body, err := c.post(ctx, p, method, params)
	if err != nil {
		return err
	}
	var envelope map[string]json.RawMessage
	if err := json.Unmarshal(body, &envelope); err != nil {
		return badAnswer(method, err)
	}
	if raw, ok := envelope["error_response"]; ok {
		return refusal(method, raw)
	}
	raw, ok := envelope[strings.ReplaceAll(method, ".", "_")+"_response"]
	if !ok {
		return badAnswer(method, fmt.Errorf("no %s_response in the answer", strings.ReplaceAll(method, ".", "_")))
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return badAnswer(method, err)
	}
	return nil
}

// post sends the signed form and returns a 200 answer's body; other
// statuses are errors already.
func (c *Client) post(ctx context.Context, p domain.Partner, method string, params url.Values) ([]byte, error) {
	form := url.Values{}
	for k, v := range params {
		form[k] = v
	}
	form.Set("method", method)
	form.Set("app_key", p.Credentials.AppKey)
	form.Set("timestamp", strconv.FormatInt(c.now().UnixMilli(), 10))
	form.Set("sign_method", "hmac-sha256")
	form.Set("sign", sign(form, p.Credentials.AppSecret))

	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(p.Endpoint, "/")+"/router/rest",
		strings.NewReader(form.Encode()))
	if err != nil {
		return nil, refused(method, "its endpoint "+p.Endpoint+" is not a URL", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.http.Do(req, p.Endpoint)
	if errors.Is(err, partnertls.ErrPlaintext) {
		return nil, err
	}
	if err != nil {
		return nil, unreachable(p, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer))
	if err != nil {
		return nil, unreachable(p, err)
	}
	switch {
	case res.StatusCode == http.StatusTooManyRequests:
		return nil, &app.RateLimited{After: httpjson.RetryAfter(res)}
	case res.StatusCode >= 500:
		return nil, unreachable(p, fmt.Errorf("%s answered %s", method, res.Status))
	case res.StatusCode != http.StatusOK:
		return nil, refused(method, "it answered HTTP "+strconv.Itoa(res.StatusCode), nil)
	}
	return bytes.TrimSpace(body), nil
}
