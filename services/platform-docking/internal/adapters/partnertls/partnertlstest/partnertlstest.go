// Package partnertlstest makes self-signed certificates for tests of
// partners behind TLS: the partner serves the certificate, and docking
// trusts it through a CA file as an installation with a private CA would.
package partnertlstest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Cert is a self-signed certificate and where its PEM is written.
type Cert struct {
	// TLS is the certificate with its key, for the partner's listener.
	TLS tls.Certificate
	// CAFile is the certificate's PEM, for DOCKING_PARTNER_CA_FILE.
	CAFile string
}

// SelfSigned returns a certificate for hosts (names or IP addresses), valid
// for an hour, that is its own certificate authority.
func SelfSigned(t testing.TB, hosts ...string) Cert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{CommonName: hosts[0]},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tpl.IPAddresses = append(tpl.IPAddresses, ip)
		} else {
			tpl.DNSNames = append(tpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "partner-ca.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return Cert{TLS: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, CAFile: file}
}

// ServerConfig is a partner's TLS serving the certificate. It offers HTTP/2
// by ALPN, which gRPC clients require.
func (c Cert) ServerConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{c.TLS}, NextProtos: []string{"h2", "http/1.1"}}
}
