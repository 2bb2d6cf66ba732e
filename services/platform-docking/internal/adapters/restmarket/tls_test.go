package restmarket_test

import (
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/partnertls"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/restmarket"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
	"github.com/crossdock/crossdock/simulators/partnersim"
	simrest "github.com/crossdock/crossdock/simulators/restmarket"
)

// counted serves the REST simulator and counts the requests that reached
// it.
type counted struct {
	h        http.Handler
	requests atomic.Int64
}

func (c *counted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.requests.Add(1)
	c.h.ServeHTTP(w, r)
}

func newCounted(t *testing.T) *counted {
	t.Helper()
	h, err := simrest.New(simrest.Config{AppKey: appKey, AppSecret: appSecret, SellerID: "crossdock-seller",
		Market: partnersim.NewMarket(partnersim.MarketConfig{})})
	if err != nil {
		t.Fatal(err)
	}
	return &counted{h: h}
}

// caFile writes the certificate srv serves as a PEM file, as an
// installation's DOCKING_PARTNER_CA_FILE.
func caFile(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestTLS: a REST partner is called over https verified against the
// system's roots plus the CA file; an http endpoint, or a redirect to one,
// is refused before the signed form leaves unless plaintext is allowed.
func TestTLS(t *testing.T) {
	secure := newCounted(t)
	tlsSrv := httptest.NewTLSServer(secure)
	t.Cleanup(tlsSrv.Close)
	plain := newCounted(t)
	plainSrv := httptest.NewServer(plain)
	t.Cleanup(plainSrv.Close)
	redirect := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plainSrv.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirect.Close)
	trusted, err := partnertls.Load(false, caFile(t, tlsSrv))
	if err != nil {
		t.Fatal(err)
	}
	// httptest's TLS servers share one certificate.
	trustedAllowingPlaintext := trusted
	trustedAllowingPlaintext.Plaintext = true

	tests := []struct {
		name      string
		endpoint  string
		transport partnertls.Transport
		reached   *counted
		check     func(error) bool
	}{
		{"https trusted through the CA file", tlsSrv.URL, trusted, secure, noError},
		{"https not trusted", tlsSrv.URL, partnertls.Transport{}, nil, func(err error) bool {
			return unreachable(err) && strings.Contains(err.Error(), "certificate")
		}},
		{"http where TLS is required", plainSrv.URL, trusted, nil, isPlaintext},
		{"http where plaintext is allowed", plainSrv.URL, partnertls.Transport{Plaintext: true}, plain, noError},
		{"https redirecting to http", redirect.URL, trusted, nil, isPlaintext},
		{"https redirecting to http where plaintext is allowed", redirect.URL, trustedAllowingPlaintext, plain, noError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := map[*counted]int64{secure: secure.requests.Load(), plain: plain.requests.Load()}
			client := restmarket.New(tt.transport, 2*time.Second)
			p := domain.Partner{Code: "rest-demo", Protocol: domain.ProtocolRESTMarketplace, Endpoint: tt.endpoint + "/",
				Credentials: domain.Credentials{AppKey: appKey, AppSecret: appSecret}}
			_, err := client.UpsertListing(t.Context(), p, listing("sku-1", 1999, "EUR"))
			if !tt.check(err) {
				t.Errorf("UpsertListing = %v", err)
			}
			for c, n := range before {
				want := int64(0)
				if c == tt.reached {
					want = 1
				}
				if got := c.requests.Load() - n; got != want {
					t.Errorf("a partner got %d requests, want %d", got, want)
				}
			}
		})
	}
}

func noError(err error) bool { return err == nil }

func isPlaintext(err error) bool {
	return errors.Is(err, partnertls.ErrPlaintext) && apperr.KindOf(err) == apperr.KindFailedPrecondition
}
