package supplysim_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/crossdock/crossdock/simulators/supplysim"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fixture is a platform served on loopback with two accounts.
type fixture struct {
	p   *supplysim.Platform
	url string
	clk *clock
}

func newFixture(t *testing.T, cfg supplysim.Config) *fixture {
	t.Helper()
	clk := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	if cfg.Accounts == nil {
		cfg.Accounts = map[string]string{"acc-a": "key-a", "acc-b": "key-b"}
	}
	cfg.Now = clk.Now
	p := supplysim.New(cfg)
	srv := httptest.NewServer(p.API())
	t.Cleanup(srv.Close)
	return &fixture{p: p, url: srv.URL, clk: clk}
}

func (f *fixture) seed(t *testing.T, id string, skus ...supplysim.SKU) {
	t.Helper()
	if _, err := f.p.PutProduct(supplysim.Product{ID: id, Title: "Product " + id, Description: "d", SKUs: skus}); err != nil {
		t.Fatal(err)
	}
}

// call makes one API call with key and decodes the answer into out.
func (f *fixture) call(t *testing.T, key, method, path string, body any, out any) *http.Response {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, f.url+path, rd)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if out != nil {
		_ = json.NewDecoder(res.Body).Decode(out)
	}
	return res
}
