package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crossdock/crossdock/pkg/config"
	"github.com/crossdock/crossdock/pkg/kek"
)

func TestConfig(t *testing.T) {
	const seed = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	secrets := strings.TrimPrefix(kek.Generate("x"), "x:")
	base := map[string]string{"DATABASE_URL": "postgres://u:p@localhost/platform_docking",
		"DOCKING_SECRETS_KEY": secrets, "DOCKING_SIGNING_KEY": seed}
	var cfg Config
	if err := config.LoadFrom(&cfg, base); err != nil {
		t.Fatal(err)
	}
	if cfg.ClientID != "crossdock" || cfg.PartnerTimeout.String() != "10s" || cfg.PartnerPlaintext || cfg.PartnerCAFile != "" {
		t.Errorf("defaults = %q, %v, plaintext %v, CA file %q", cfg.ClientID, cfg.PartnerTimeout, cfg.PartnerPlaintext, cfg.PartnerCAFile)
	}
	if tr, err := cfg.partnerTransport(); err != nil || tr.Plaintext || tr.Roots != nil {
		t.Errorf("default partner transport = %+v, %v: want TLS with the system's roots", tr, err)
	}
	notPEM := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	if ring, err := cfg.secretsRing(); err != nil || ring.Primary() != kek.DefaultKeyID {
		t.Errorf("bare key: %v", err)
	}
	tests := map[string]map[string]string{
		"a key ring":             {"DOCKING_SECRETS_KEY": kek.Generate("k2") + "," + kek.Generate("k1")},
		"no secrets key":         {"DOCKING_SECRETS_KEY": ""},
		"short secrets key":      {"DOCKING_SECRETS_KEY": "c2hvcnQ="},
		"no signing key":         {"DOCKING_SIGNING_KEY": ""},
		"signing key not a seed": {"DOCKING_SIGNING_KEY": "c2hvcnQ="},
		"timeout not positive":   {"DOCKING_PARTNER_TIMEOUT": "0s"},
		"plaintext partners":     {"DOCKING_PARTNER_PLAINTEXT": "true"},
		"no such CA file":        {"DOCKING_PARTNER_CA_FILE": filepath.Join(t.TempDir(), "missing.pem")},
		"CA file not PEM":        {"DOCKING_PARTNER_CA_FILE": notPEM},
	}
	for name, extra := range tests {
		t.Run(name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range extra {
				env[k] = v
			}
			var cfg Config
			err := config.LoadFrom(&cfg, env)
			if wantOK := name == "a key ring" || name == "plaintext partners"; (err == nil) != wantOK {
				t.Fatalf("error = %v", err)
			}
			if err != nil && (strings.Contains(err.Error(), secrets) || strings.Contains(err.Error(), seed)) {
				t.Errorf("the error quotes a key: %v", err)
			}
		})
	}
}
