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

// The wait for a last-mile charge must outlast the feed's poll interval,
// within which a charge whose webhook was lost is read.
func TestFreightGraceOutlastsThePoll(t *testing.T) {
	for _, tt := range []struct {
		name        string
		grace, poll string
		ok          bool
	}{
		{"the defaults", "", "", true},
		{"longer than the poll", "5m", "1m", true},
		{"as long as the poll", "1m", "1m", false},
		{"shorter than the poll", "30s", "2m", false},
		{"over a day", "25h", "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"DATABASE_URL": "postgres://u:p@localhost/logistics", "LOGISTICS_SECRETS_KEY": kek.Generate("k")}
			if tt.grace != "" {
				env["LOGISTICS_FREIGHT_GRACE"] = tt.grace
			}
			if tt.poll != "" {
				env["LOGISTICS_POLL_INTERVAL"] = tt.poll
			}
			var cfg Config
			err := config.LoadFrom(&cfg, env)
			if (err == nil) != tt.ok || (err != nil && !strings.Contains(err.Error(), "LOGISTICS_FREIGHT_GRACE")) {
				t.Errorf("error = %v, want ok %v", err, tt.ok)
			}
		})
	}
}
