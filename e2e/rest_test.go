package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// restClient calls the gateway's REST API from one client address (a loopback
// address of its own, so per-address rate limits treat clients apart).
type restClient struct {
	t    testing.TB
	base string
	http *http.Client
}

func newClient(t testing.TB, base, localIP string) *restClient {
	t.Helper()
	dialer := &net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(localIP)}}
	return &restClient{t: t, base: base, http: &http.Client{
		Timeout:   15 * time.Second,
		Transport: &http.Transport{DialContext: dialer.DialContext, MaxIdleConnsPerHost: 8},
	}}
}

// response is a decoded REST answer.
type response struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    string
}

// do sends a JSON request; body may be nil, a value to encode, or a string
// sent as is.
func (c *restClient) do(method, path, token string, body any) response {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return c.send(req)
}

// send sends a prepared request and decodes the JSON answer.
func (c *restClient) send(req *http.Request) response {
	c.t.Helper()
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if strings.HasPrefix(c.base, req.URL.Scheme+"://"+req.URL.Host) {
		// The gateway's answers only (the client also calls the simulators).
		checkAnswer(c.t, req.Method, req.URL.EscapedPath(), resp.StatusCode, raw)
	}
	out := response{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	_ = json.Unmarshal(raw, &out.Body)
	return out
}

// must fails the test unless the response has the wanted status.
func (r response) must(t testing.TB, want int, what string) response {
	t.Helper()
	if r.Status != want {
		t.Fatalf("%s: status %d, want %d: %s", what, r.Status, want, r.Raw)
	}
	return r
}

// str walks the decoded body by keys: str("tokens", "accessToken").
func (r response) str(keys ...string) string {
	var v any = r.Body
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[k]
	}
	s, _ := v.(string)
	return s
}

// list returns the array at key.
func (r response) list(key string) []map[string]any {
	items, _ := r.Body[key].([]any)
	out := make([]map[string]any, 0, len(items))
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// fieldViolations lists the fields named in a BadRequest detail.
func (r response) fieldViolations() []string {
	var out []string
	details, _ := r.Body["details"].([]any)
	for _, d := range details {
		m, _ := d.(map[string]any)
		vs, _ := m["fieldViolations"].([]any)
		for _, v := range vs {
			if fv, ok := v.(map[string]any); ok {
				f, _ := fv["field"].(string)
				out = append(out, f)
			}
		}
	}
	return out
}

// uniqueEmail returns a fresh address so tests never collide.
func uniqueEmail(prefix string) string {
	return prefix + "-" + strings.ToLower(rand.Text()[:10]) + "@e2e.crossdock.test"
}

const testPassword = "correct horse battery staple"

// account is a signed-up, logged-in user.
type account struct {
	ID, Email, Access, Refresh, OrgID string
}

// signUp creates an account of the given type and logs it in.
func (c *restClient) signUp(typ, org string) account {
	c.t.Helper()
	email := uniqueEmail(strings.ToLower(strings.TrimPrefix(typ, "ACCOUNT_TYPE_")))
	r := c.do("POST", "/v1/auth/signup", "", map[string]any{
		"email": email, "password": testPassword, "displayName": "E2E " + typ, "accountType": typ, "organizationName": org,
	}).must(c.t, 200, "sign up "+typ)
	a := account{ID: r.str("user", "userId"), Email: email, OrgID: r.str("organization", "organizationId")}
	a.Access, a.Refresh = c.login(email, testPassword)
	return a
}

// login returns an access and a refresh token.
func (c *restClient) login(email, password string) (access, refresh string) {
	c.t.Helper()
	r := c.do("POST", "/v1/auth/login", "", map[string]any{"email": email, "password": password}).must(c.t, 200, "log in "+email)
	return r.str("tokens", "accessToken"), r.str("tokens", "refreshToken")
}
