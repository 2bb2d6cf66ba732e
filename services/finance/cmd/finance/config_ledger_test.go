package main

import (
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/config"
	"github.com/crossdock/crossdock/services/finance/internal/app"
)

func TestConfigLedger(t *testing.T) {
	base := map[string]string{"DATABASE_URL": "postgres://u:p@localhost/finance"}
	var cfg Config
	if err := config.LoadFrom(&cfg, base); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("the defaults are refused: %v", err)
	}
	if cfg.ProviderEventRetention != 90*24*time.Hour {
		t.Errorf("provider events kept %s by default, want 90 days", cfg.ProviderEventRetention)
	}
	if cfg.TopUpAbandonAfter != app.DefaultTopUpAbandonAfter {
		t.Errorf("top-ups abandoned after %s by default, want %s", cfg.TopUpAbandonAfter, app.DefaultTopUpAbandonAfter)
	}
	if cfg.QuoteRetention != 30*24*time.Hour {
		t.Errorf("unused quotes kept %s by default, want 30 days", cfg.QuoteRetention)
	}
	if cfg.LedgerBatchSize != 256 || cfg.LedgerBatchConcurrency != 1 || cfg.LedgerExpirySweepInterval != 30*time.Second {
		t.Errorf("defaults = %d, %d, %s", cfg.LedgerBatchSize, cfg.LedgerBatchConcurrency, cfg.LedgerExpirySweepInterval)
	}
	for name, value := range map[string]string{
		"LEDGER_BATCH_SIZE":            "0",
		"LEDGER_BATCH_CONCURRENCY":     "0",
		"LEDGER_EXPIRY_SWEEP_INTERVAL": "10ms",
		"PROVIDER_EVENT_RETENTION":     "24h",
		"FX_QUOTE_RETENTION":           "23h",
		"TOP_UP_ABANDON_AFTER":         "59m",
	} {
		vars := map[string]string{"DATABASE_URL": base["DATABASE_URL"], name: value}
		cfg := Config{}
		if err := config.LoadFrom(&cfg, vars); err == nil {
			if err := cfg.Validate(); err == nil {
				t.Errorf("%s=%s accepted", name, value)
			}
		}
	}
}
