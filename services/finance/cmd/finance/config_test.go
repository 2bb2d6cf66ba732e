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

func TestConfigFXPolicy(t *testing.T) {
	good := Config{FXMaxRateAge: 26 * time.Hour, FXMaxRateAgeBySource: "ecb=26h,manual=720h", FXSpreadBps: 50, FXQuoteTTL: 10 * time.Minute, DefaultCommissionBps: 500}
	p, err := good.FXPolicy()
	if err != nil {
		t.Fatal(err)
	}
	if p.MaxAge("manual") != 720*time.Hour || p.MaxAge("demo") != 26*time.Hour || p.SpreadBps != 50 || p.QuoteTTL != 10*time.Minute {
		t.Errorf("policy = %+v", p)
	}
	tests := []struct {
		name   string
		change func(*Config)
	}{
		{"bad source list", func(c *Config) { c.FXMaxRateAgeBySource = "ecb:26h" }},
		{"zero age", func(c *Config) { c.FXMaxRateAge = 0 }},
		{"negative spread", func(c *Config) { c.FXSpreadBps = -1 }},
		{"spread of 20 %", func(c *Config) { c.FXSpreadBps = 2000 }},
		{"quote lifetime of a second", func(c *Config) { c.FXQuoteTTL = time.Second }},
		{"negative commission", func(c *Config) { c.DefaultCommissionBps = -1 }},
		{"commission above 100 %", func(c *Config) { c.DefaultCommissionBps = 10001 }},
	}
	for _, tt := range tests {
		c := good
		tt.change(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
}
