package testkit_test

import (
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/testkit"
)

func TestClock(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	c := testkit.NewClock(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Fatalf("new clock = %v, want %v", got, t0)
	}
	c.Advance(90 * time.Second)
	if got := c.Now(); !got.Equal(t0.Add(90 * time.Second)) {
		t.Fatalf("advanced = %v", got)
	}
	c.Set(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Fatalf("set back = %v", got)
	}
}
