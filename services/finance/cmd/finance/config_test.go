package main

import (
	"testing"
	"time"
)

func TestConfigFXPolicy(t *testing.T) {
	good := Config{FXMaxRateAge: 26 * time.Hour, FXMaxRateAgeBySource: "ecb=26h,manual=720h", FXSpreadBps: 50, FXQuoteTTL: 10 * time.Minute}
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
	}
	for _, tt := range tests {
		c := good
		tt.change(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
}
