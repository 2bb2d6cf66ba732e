package app

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// A partner whose pages never end fails the read, its records taken,
// instead of holding the jobs for good: pages that claim more without
// moving on in time after maxWindowPages of them, a next page that is the
// page itself at once; a read moving on in time is not counted against it.
func TestWindowReadStopsAtPagesThatNeverEnd(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	window := domain.Window{From: at.Add(-time.Hour), To: at.Add(time.Hour)}
	for _, tc := range []struct {
		name  string
		page  func(call int) ([]time.Time, string)
		lists int
		ok    bool
	}{
		{"empty pages claiming more", func(call int) ([]time.Time, string) { return nil, fmt.Sprintf("p%d", call) }, maxWindowPages, false},
		{"the same page again", func(int) ([]time.Time, string) { return []time.Time{at, at}, "again" }, 3, false},
		{"more pages than the bound, moving on in time", func(call int) ([]time.Time, string) {
			if call > 2*maxWindowPages {
				return nil, ""
			}
			return []time.Time{at.Add(time.Duration(call) * time.Second)}, "next"
		}, 2*maxWindowPages + 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lists := 0
			read := windowRead[time.Time]{
				list: func(context.Context, domain.Window, string) ([]time.Time, string, error) {
					lists++
					records, next := tc.page(lists)
					return records, next, nil
				},
				at:      func(t time.Time) time.Time { return t },
				take:    func(context.Context, []time.Time) error { return nil },
				reading: func(context.Context, domain.Window) error { return nil },
			}
			done := make(chan error, 1)
			go func() { done <- read.read(context.Background(), window) }()
			select {
			case err := <-done:
				var e *apperr.Error
				failed := errors.As(err, &e) && e.ReasonOrKind() == "PARTNER_BAD_ANSWER"
				if failed == tc.ok || (!tc.ok && err != nil && !failed) || lists != tc.lists {
					t.Fatalf("read = %v after %d pages; want ok %v after %d", err, lists, tc.ok, tc.lists)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the read did not stop")
			}
		})
	}
}
