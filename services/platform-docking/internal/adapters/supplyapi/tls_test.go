package supplyapi_test

import (
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/partnertls"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/partnertls/partnertlstest"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/supplyapi"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
	"github.com/crossdock/crossdock/simulators/supplysim"
)

// tlsSim is the supply simulator on loopback, in plaintext or behind TLS,
// counting the calls that reached it.
type tlsSim struct {
	url   string
	calls *atomic.Int64
}

// serveTLS starts the simulator behind TLS with cfg, or in plaintext when
// cfg is nil.
func serveTLS(t *testing.T, cfg *tls.Config) tlsSim {
	t.Helper()
	sim := supplysim.New(supplysim.Config{Accounts: map[string]string{"acc-a": "key-a"}})
	if _, err := sim.PutProduct(supplysim.Product{ID: "P1", Title: "Kettle", SKUs: []supplysim.SKU{
		{Code: "K-1", Price: "89.90", WeightG: 900, Package: supplysim.Package{Length: 250, Width: 180, Height: 200}, Stock: 3}}}); err != nil {
		t.Fatal(err)
	}
	calls := &atomic.Int64{}
	api := sim.API()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		api.ServeHTTP(w, r)
	}))
	if cfg != nil {
		srv.TLS = cfg
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	// The certificates name localhost, as a registered endpoint names its
	// host.
	return tlsSim{url: strings.Replace(srv.URL, "127.0.0.1", "localhost", 1), calls: calls}
}

// TestTLS: a supply platform is called over https for its endpoint's host,
// verified against the system's roots plus the CA file, through the same
// transport as the partners; a certificate that does not verify is
// unreachable, and an http endpoint, or a redirect to one, is refused
// before the API key leaves unless plaintext is allowed.
func TestTLS(t *testing.T) {
	localhost := partnertlstest.SelfSigned(t, "localhost")
	elsewhere := partnertlstest.SelfSigned(t, "supply.example")
	trust := func(c partnertlstest.Cert) partnertls.Transport {
		tr, err := partnertls.Load(false, c.CAFile)
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	plain := serveTLS(t, nil)
	redirect := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.url+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	redirect.TLS = localhost.ServerConfig()
	redirect.StartTLS()
	t.Cleanup(redirect.Close)
	redirectURL := strings.Replace(redirect.URL, "127.0.0.1", "localhost", 1)
	allowingPlaintext := trust(localhost)
	allowingPlaintext.Plaintext = true

	tests := []struct {
		name      string
		served    *tls.Config // nil: plaintext
		endpoint  string      // "": the simulator's
		transport partnertls.Transport
		reached   *atomic.Int64 // nil: the simulator, on success
		check     func(error) bool
	}{
		{"https trusted through the CA file", localhost.ServerConfig(), "", trust(localhost), nil, noError},
		{"https not trusted", localhost.ServerConfig(), "", partnertls.Transport{}, nil, unreachableAbout("certificate")},
		{"https for another host", elsewhere.ServerConfig(), "", trust(elsewhere), nil, unreachableAbout("certificate")},
		{"http where TLS is required", nil, "", trust(localhost), nil, isPlaintext},
		{"http where plaintext is allowed", nil, "", partnertls.Transport{Plaintext: true}, nil, noError},
		{"https redirecting to http", nil, redirectURL, trust(localhost), plain.calls, isPlaintext},
		{"https redirecting to http where plaintext is allowed", nil, redirectURL, allowingPlaintext, plain.calls, noError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := serveTLS(t, tt.served)
			endpoint, reached := sim.url, sim.calls
			if tt.endpoint != "" {
				endpoint, reached = tt.endpoint, tt.reached
			}
			before := reached.Load()
			c := supplyapi.New(tt.transport, 5*time.Second)
			p := domain.SupplyPlatform{Code: "s", Endpoint: endpoint, Default: domain.SupplyAccount{AccountID: "acc-a", APIKey: "key-a"}}
			page, err := c.Products(t.Context(), p, time.Time{}, "")
			if !tt.check(err) {
				t.Fatalf("Products = %v", err)
			}
			want := int64(0)
			if err == nil {
				want = 1
				if len(page.Products) != 1 {
					t.Errorf("read %d products, want 1", len(page.Products))
				}
			}
			if got := reached.Load() - before; got != want {
				t.Errorf("the platform got %d calls, want %d", got, want)
			}
		})
	}
}

func noError(err error) bool { return err == nil }

func isPlaintext(err error) bool {
	return errors.Is(err, partnertls.ErrPlaintext) && apperr.KindOf(err) == apperr.KindFailedPrecondition
}

// unreachableAbout is an Unavailable whose cause mentions what.
func unreachableAbout(what string) func(error) bool {
	return func(err error) bool {
		return apperr.KindOf(err) == apperr.KindUnavailable && strings.Contains(err.Error(), what)
	}
}
