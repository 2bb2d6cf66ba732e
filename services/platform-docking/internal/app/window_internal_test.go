package app

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// A partner whose pages never end (the same page and token again and
// again) fails the read after maxWindowPages pages, its records taken,
// instead of holding the jobs for good.
func TestWindowReadStopsAtPagesThatNeverEnd(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	lists, taken := 0, 0
	read := windowRead[time.Time]{
		list: func(context.Context, domain.Window, string) ([]time.Time, string, error) {
			lists++
			return []time.Time{at, at.Add(time.Second)}, "again", nil
		},
		at:      func(t time.Time) time.Time { return t },
		take:    func(_ context.Context, records []time.Time) error { taken += len(records); return nil },
		reading: func(context.Context, domain.Window) error { return nil },
	}
	done := make(chan error, 1)
	go func() {
		done <- read.read(context.Background(), domain.Window{From: at.Add(-time.Hour), To: at.Add(time.Hour)})
	}()
	select {
	case err := <-done:
		var e *apperr.Error
		if !errors.As(err, &e) || e.ReasonOrKind() != "PARTNER_BAD_ANSWER" || lists != maxWindowPages || taken != 2*maxWindowPages {
			t.Fatalf("read = %v after %d pages (%d records taken); want PARTNER_BAD_ANSWER after %d", err, lists, taken, maxWindowPages)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the read of pages that never end did not stop")
	}
}
