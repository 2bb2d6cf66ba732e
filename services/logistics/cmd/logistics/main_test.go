package main

import (
	"strings"
	"testing"

	"github.com/crossdock/crossdock/pkg/config"
	"github.com/crossdock/crossdock/pkg/kek"
	"github.com/crossdock/crossdock/pkg/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestRunCreatesItsStream(t *testing.T) {
	t.Setenv("LOGISTICS_SECRETS_KEY", kek.Generate("test"))
	testkit.RequireStreamCreated(t, run, "logistics")
}

// TestSecretsKey: carriers' credentials cannot be stored without a valid
// key, and a refused key is not quoted back.
func TestSecretsKey(t *testing.T) {
	bare := strings.TrimPrefix(kek.Generate("x"), "x:")
	for _, tt := range []struct {
		name, key string
		ok        bool
	}{
		{"bare key", bare, true},
		{"a ring during a rotation", kek.Generate("k2") + "," + kek.Generate("k1"), true},
		{"missing", "", false},
		{"short", "c2hvcnQ=", false},
		{"not base64", "%%%%", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var cfg Config
			err := config.LoadFrom(&cfg, map[string]string{"DATABASE_URL": "postgres://u:p@localhost/logistics", "LOGISTICS_SECRETS_KEY": tt.key})
			if (err == nil) != tt.ok {
				t.Fatalf("error = %v", err)
			}
			if err != nil && (!strings.Contains(err.Error(), "LOGISTICS_SECRETS_KEY") || strings.Contains(err.Error(), bare)) {
				t.Errorf("error %q: want it to name the setting and not quote the key", err)
			}
		})
	}
}
