// Package partnertls is how platform-docking secures its connections to
// partners: TLS whose certificate must chain to the system's roots or, for
// partners certified by a private CA, to the installation's CA file; and
// plaintext only where the installation allows it, which a development
// installation does for its simulators. Both protocols take the same
// Transport, so one setting decides for every partner.
package partnertls

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// ErrPlaintext is a partner reached without TLS where the installation does
// not allow it: its signed calls, orders and buyers' addresses would cross
// the internet readable by anyone on the way.
var ErrPlaintext = apperr.FailedPrecondition("the partner's endpoint is not TLS: plaintext is for development installations only").
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

// AllowsScheme reports whether a REST partner's endpoint with this URL
// scheme may be called: https always, http only where plaintext is allowed.
func (t Transport) AllowsScheme(scheme string) bool {
	return scheme == "https" || (scheme == "http" && t.Plaintext)
}
