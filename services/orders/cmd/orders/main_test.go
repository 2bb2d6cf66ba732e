package main

import (
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestRunCreatesItsStream(t *testing.T) { testkit.RequireStreamCreated(t, run, "orders") }

func TestConfigBoundsTheQuoteLock(t *testing.T) {
	valid := Config{PaymentTimeout: 30 * time.Minute, FulfilmentHold: 720 * time.Hour, AutoComplete: time.Hour,
		PaymentSettle: time.Minute, AfterSaleWindow: time.Hour, ReturnReceipt: time.Hour, ReturnSendBy: time.Hour, ExternalDelivery: 360 * time.Hour, WorkInterval: time.Second, QuoteReuse: time.Minute}
	tests := []struct {
		name   string
		change func(c *Config)
		ok     bool
	}{
		{"the defaults", func(*Config) {}, true},
		{"no reuse", func(c *Config) { c.QuoteReuse = 0 }, true},
		{"negative reuse", func(c *Config) { c.QuoteReuse = -time.Second }, false},
		{"reuse beyond 10m", func(c *Config) { c.QuoteReuse = 11 * time.Minute }, false},
		{"no external delivery window", func(c *Config) { c.ExternalDelivery = 0 }, false},
		{"no time to send goods back", func(c *Config) { c.ReturnSendBy = 0 }, false},
		{"a lock beyond a day", func(c *Config) {
			c.PaymentTimeout, c.PaymentSettle, c.QuoteReuse = 23*time.Hour, 58*time.Minute, 5*time.Minute
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid
			tt.change(&c)
			if err := c.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate() = %v, want ok %v", err, tt.ok)
			}
		})
	}
}
