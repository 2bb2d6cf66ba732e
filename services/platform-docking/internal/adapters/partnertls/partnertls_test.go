package partnertls_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/partnertls"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/partnertls/partnertlstest"
)

func TestLoad(t *testing.T) {
	cert := partnertlstest.SelfSigned(t, "partner.example")
	notPEM := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		plaintext bool
		caFile    string
		wantRoots bool
		wantErr   bool
	}{
		{"the system's roots", false, "", false, false},
		{"plaintext allowed", true, "", false, false},
		{"a private CA", false, cert.CAFile, true, false},
		{"no such file", false, filepath.Join(t.TempDir(), "missing.pem"), false, true},
		{"not PEM", false, notPEM, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := partnertls.Load(tt.plaintext, tt.caFile)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if tr.Plaintext != tt.plaintext || (tr.Roots != nil) != tt.wantRoots {
				t.Errorf("transport = %+v", tr)
			}
			if cfg := tr.TLSConfig(); cfg.InsecureSkipVerify || cfg.RootCAs != tr.Roots || cfg.ServerName != "" {
				t.Errorf("TLS config = %+v: want verified against the roots, for the endpoint's host", cfg)
			}
			if got := tr.GRPCCredentials().Info().SecurityProtocol; (got == "tls") == tt.plaintext {
				t.Errorf("gRPC security protocol = %q with plaintext %v", got, tt.plaintext)
			}
		})
	}
}

func TestAllowsScheme(t *testing.T) {
	for _, tt := range []struct {
		scheme    string
		plaintext bool
		want      bool
	}{
		{"https", false, true},
		{"http", false, false},
		{"http", true, true},
		{"https", true, true},
		{"ftp", true, false},
	} {
		if got := (partnertls.Transport{Plaintext: tt.plaintext}).AllowsScheme(tt.scheme); got != tt.want {
			t.Errorf("plaintext %v: AllowsScheme(%q) = %v", tt.plaintext, tt.scheme, got)
		}
	}
}
