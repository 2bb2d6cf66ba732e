package main

import (
	"strings"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/config"
)

func TestConfigPaymentProvider(t *testing.T) {
	base := map[string]string{"DATABASE_URL": "postgres://u:p@localhost/finance"}
	var cfg Config
	if err := config.LoadFrom(&cfg, base); err != nil {
		t.Fatal(err)
	}
	if p := cfg.PaymentProvider; p.URL != "http://127.0.0.1:9300" || p.Timeout != 10*time.Second || p.APIKey != "" {
		t.Errorf("defaults = %+v", p)
	}

	set := map[string]string{
		"DATABASE_URL":                    base["DATABASE_URL"],
		"PAYMENT_PROVIDER_URL":            "https://payments.example/api",
		"PAYMENT_PROVIDER_API_KEY":        "sk_live_k3y",
		"PAYMENT_PROVIDER_WEBHOOK_SECRET": "whsec_s3cret",
		"PAYMENT_PROVIDER_TIMEOUT":        "3s",
	}
	cfg = Config{}
	if err := config.LoadFrom(&cfg, set); err != nil {
		t.Fatal(err)
	}
	if p := cfg.PaymentProvider; p.URL != set["PAYMENT_PROVIDER_URL"] || p.APIKey != "sk_live_k3y" || p.WebhookSecret != "whsec_s3cret" || p.Timeout != 3*time.Second {
		t.Errorf("loaded %+v", p)
	}
	logged := config.LogValue(cfg).String()
	if strings.Contains(logged, "k3y") || strings.Contains(logged, "s3cret") {
		t.Errorf("the logged configuration shows a secret: %s", logged)
	}

	for name, bad := range map[string]map[string]string{
		"URL without a scheme": {"PAYMENT_PROVIDER_URL": "payments.example"},
		"ftp URL":              {"PAYMENT_PROVIDER_URL": "ftp://payments.example"},
		"zero timeout":         {"PAYMENT_PROVIDER_TIMEOUT": "0s"},
	} {
		vars := map[string]string{"DATABASE_URL": base["DATABASE_URL"]}
		for k, v := range bad {
			vars[k] = v
		}
		var cfg Config
		if err := config.LoadFrom(&cfg, vars); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
