package marketplace_test

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/marketplace"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/partnertls"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/partnertls/partnertlstest"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
	"github.com/crossdock/crossdock/simulators/partnersim"
)

// tlsSim is partnersim on loopback, in plaintext or behind TLS.
type tlsSim struct {
	sim    *partnersim.Server
	port   string
	signer marketplace.Signer
}

// serveSim starts partnersim on loopback, behind TLS with cfg when it is
// not nil, and returns it with the signer it accepts.
func serveSim(t *testing.T, cfg *tls.Config) tlsSim {
	t.Helper()
	crossdock, _ := auth.GenerateRequestKey()
	partnerKey, _ := auth.GenerateRequestKey()
	sim, err := partnersim.New(partnersim.Config{Code: "dh", Key: partnerKey, CrossdockClientID: "crossdock",
		CrossdockKey: crossdock.Public().(ed25519.PublicKey), Market: partnersim.NewMarket(partnersim.MarketConfig{Seed: 11})})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if cfg != nil {
		l = tls.NewListener(l, cfg)
	}
	go func() { _ = sim.Serve(l) }()
	t.Cleanup(sim.Stop)
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return tlsSim{sim: sim, port: port, signer: marketplace.Signer{ClientID: "crossdock", Key: crossdock}}
}

// TestTLS: a standard-protocol partner is dialled over TLS for its
// endpoint's host, verified against the system's roots plus the CA file;
// a certificate that does not verify, and a partner without TLS, are not
// reached unless plaintext is allowed. Both the connector and the
// handshaker dial this way.
func TestTLS(t *testing.T) {
	localhost := partnertlstest.SelfSigned(t, "localhost")
	elsewhere := partnertlstest.SelfSigned(t, "partner.example")
	trust := func(c partnertlstest.Cert) partnertls.Transport {
		tr, err := partnertls.Load(false, c.CAFile)
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	tests := []struct {
		name      string
		served    *tls.Config // nil: plaintext
		transport partnertls.Transport
		wantErr   string // in the cause of an Unavailable; "" is success
	}{
		{"TLS trusted through the CA file", localhost.ServerConfig(), trust(localhost), ""},
		{"TLS not trusted", localhost.ServerConfig(), partnertls.Transport{}, "certificate"},
		{"TLS for another host", elsewhere.ServerConfig(), trust(elsewhere), "certificate"},
		{"plaintext partner where TLS is required", nil, trust(localhost), "tls"},
		{"plaintext partner where plaintext is allowed", nil, partnertls.Transport{Plaintext: true}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := serveSim(t, tt.served)
			p := domain.Partner{Code: "dh", Endpoint: "localhost:" + sim.port}
			ctx := context.Background()

			c := marketplace.NewConnector(sim.signer, 5*time.Second, tt.transport)
			t.Cleanup(func() { c.Close() })
			_, err := c.UpsertListing(ctx, p, teapot(1))
			checkReached(t, "upsert", err, tt.wantErr)
			if tt.wantErr != "" && len(sim.sim.Market().Listings([]string{teapot(1).Marker})) != 0 {
				t.Error("the partner has the listing although the call was refused")
			}

			h := marketplace.NewHandshaker(sim.signer, 5*time.Second, tt.transport)
			_, err = h.Handshake(ctx, p, []byte("challenge-0123456789abcdef"))
			checkReached(t, "handshake", err, tt.wantErr)
			if tt.wantErr != "" && sim.sim.Handshakes() != 0 {
				t.Error("the partner answered a handshake although the connection was refused")
			}
		})
	}
}

// checkReached fails unless err is nil when wantErr is empty, or else an
// Unavailable whose cause mentions wantErr.
func checkReached(t *testing.T, call string, err error, wantErr string) {
	t.Helper()
	switch {
	case wantErr == "" && err != nil:
		t.Errorf("%s: %v", call, err)
	case wantErr != "" && (apperr.KindOf(err) != apperr.KindUnavailable || !strings.Contains(err.Error(), wantErr)):
		t.Errorf("%s: error = %v, want Unavailable about %q", call, err, wantErr)
	}
}
