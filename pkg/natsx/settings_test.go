package natsx_test

import (
	"context"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/testkit"
)

// The service's own stream and the dead-letter stream get the settings'
// replicas and limits, and the oldest messages give way at the size limit.
func TestStreamsGetTheirLimitsFromSettings(t *testing.T) {
	_, _, js := testkit.JetStream(t)
	ctx := context.Background()
	settings := natsx.StreamSettings{
		Replicas: 1, MaxAge: time.Hour, MaxBytes: 1 << 20,
		DeadLetterMaxAge: 48 * time.Hour, DeadLetterMaxBytes: 1 << 19,
	}
	if err := settings.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		spec     natsx.StreamSpec
		maxAge   time.Duration
		maxBytes int64
	}{
		{"own stream", settings.Own(natsx.AreaStream("things")), time.Hour, 1 << 20},
		{"dead letters", settings.DeadLetters(), 48 * time.Hour, 1 << 19},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := natsx.EnsureStream(ctx, js, tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			info, err := s.Info(ctx)
			if err != nil {
				t.Fatal(err)
			}
			c := info.Config
			if c.MaxAge != tt.maxAge || c.MaxBytes != tt.maxBytes || c.Replicas != 1 || c.Discard != 0 /* DiscardOld */ {
				t.Errorf("config: max age %v, max bytes %d, replicas %d, discard %v", c.MaxAge, c.MaxBytes, c.Replicas, c.Discard)
			}
		})
	}
}

func TestStreamSettingsRefuseUnboundedStreams(t *testing.T) {
	good := natsx.StreamSettings{Replicas: 3, MaxAge: time.Hour, MaxBytes: 1, DeadLetterMaxAge: time.Hour, DeadLetterMaxBytes: 1}
	tests := []struct {
		name   string
		change func(*natsx.StreamSettings)
		ok     bool
	}{
		{"good", func(*natsx.StreamSettings) {}, true},
		{"no replicas", func(s *natsx.StreamSettings) { s.Replicas = 0 }, false},
		{"no age limit", func(s *natsx.StreamSettings) { s.MaxAge = 0 }, false},
		{"no size limit", func(s *natsx.StreamSettings) { s.MaxBytes = 0 }, false},
		{"unbounded dead letters", func(s *natsx.StreamSettings) { s.DeadLetterMaxBytes = -1 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := good
			tt.change(&s)
			if err := s.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate = %v, want ok %v", err, tt.ok)
			}
		})
	}
}
