// Package partnertls is how platform-docking secures its connections to
// partners: TLS whose certificate must chain to the system's roots or, for
// partners certified by a private CA, to the installation's CA file; and
// plaintext only where the installation allows it, which a development
// installation does for its simulators. Both partner protocols and the
// supply platforms' API take the same Transport, so one setting decides for
// every platform docking calls.
package partnertls

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// ErrPlaintext is a partner or supply platform reached without TLS where
// the installation does not allow it: its signed calls, API keys, orders
// and buyers' addresses would cross the internet readable by anyone on the
// way.
var ErrPlaintext = apperr.FailedPrecondition("the platform's endpoint is not TLS: plaintext is for development installations only").
	WithReason("PARTNER_PLAINTEXT")

// Transport is how docking reaches partners. The zero Transport is TLS
// verified against the system's roots.
type Transport struct {
	// Plaintext allows partners without TLS, for development: standard
	// protocol partners are dialled in plaintext, and REST partners may have
	// http endpoints (https ones are still verified).
	Plaintext bool
	// Roots are the certificate authorities a partner's certificate must
	// chain to; nil is the system's.
	Roots *x509.CertPool
}

// Load returns the transport allowing plaintext as told, whose roots are the
// system's plus the PEM certificates in caFile when one is named.
func Load(plaintext bool, caFile string) (Transport, error) {
	t := Transport{Plaintext: plaintext}
	if caFile == "" {
		return t, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return Transport{}, fmt.Errorf("partner CA file: %w", err)
	}
	roots, err := x509.SystemCertPool()
	if err != nil {
		// No system roots (a scratch image without a bundle): the CA file
		// alone is still a working trust store.
		roots = x509.NewCertPool()
	}
	if !roots.AppendCertsFromPEM(pem) {
		return Transport{}, errors.New("partner CA file " + caFile + " holds no PEM certificate")
	}
	t.Roots = roots
	return t, nil
}

// TLSConfig is the client side of a partner's TLS: at least TLS 1.2,
// verified against the roots. The server name is left empty for the dialer
// to take from the endpoint's host, which is what the certificate must name.
func (t Transport) TLSConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: t.Roots}
}

// GRPCCredentials are the transport credentials of a standard-protocol
// partner's connection: TLS, or plaintext where allowed. gRPC takes the
// server name from the endpoint's host.
func (t Transport) GRPCCredentials() credentials.TransportCredentials {
	if t.Plaintext {
		return insecure.NewCredentials()
	}
	return credentials.NewTLS(t.TLSConfig())
}

// AllowsScheme reports whether an HTTP API's endpoint (a REST partner's, a
// supply platform's) with this URL scheme may be called: https always,
// http only where plaintext is allowed.
func (t Transport) AllowsScheme(scheme string) bool {
	return scheme == "https" || (scheme == "http" && t.Plaintext)
}

// maxRedirects is how many redirects one call follows, as net/http's
// default client does.
const maxRedirects = 10

// HTTPClient calls platforms with HTTP APIs of their own (REST
// marketplaces, supply platforms) over the transport: https verified
// against its roots, and http only where it allows plaintext, for the
// endpoint and for every redirect alike, so an https endpoint cannot send
// a call on in plaintext. It is safe for concurrent use.
type HTTPClient struct {
	client    *http.Client
	transport Transport
}

// HTTPClient returns the transport's client of HTTP APIs.
func (t Transport) HTTPClient() *HTTPClient {
	rt := http.DefaultTransport.(*http.Transport).Clone()
	rt.TLSClientConfig = t.TLSConfig()
	return &HTTPClient{transport: t, client: &http.Client{Transport: rt, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if !t.AllowsScheme(req.URL.Scheme) {
			return ErrPlaintext
		}
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		return nil
	}}}
}

// Do sends req. A URL, or a redirect, in plaintext where the transport does
// not allow it is ErrPlaintext naming endpoint (the platform's as
// registered), and leaves nothing: the check is made before the request
// goes, so an API key or a signed form is never sent in the clear. Other
// errors are net/http's: the platform could not be reached, or its
// certificate did not verify.
func (h *HTTPClient) Do(req *http.Request, endpoint string) (*http.Response, error) {
	// Registration refuses such endpoints too; this holds for those
	// registered while plaintext was allowed.
	if !h.transport.AllowsScheme(req.URL.Scheme) {
		return nil, ErrPlaintext.WithMetadata("endpoint", endpoint)
	}
	res, err := h.client.Do(req)
	if errors.Is(err, ErrPlaintext) {
		return nil, ErrPlaintext.WithMetadata("endpoint", endpoint).Wrap(err)
	}
	return res, err
}
