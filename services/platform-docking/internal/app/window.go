package app

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// The windows a partner's pulls read, each with its own watermark.
const (
	ReadingOrders      = "orders"
	ReadingSettlements = "settlements"
	ReadingPayouts     = "payouts"
)

// windowRead is one pull of a window of a partner's records, oldest first:
// list reads a page, at is a record's time in the partner's order, take
// stores a page's records, and reading records the window's rest once
// every record before it is taken.
type windowRead[T any] struct {
	list    func(ctx context.Context, w domain.Window, page string) ([]T, string, error)
	at      func(T) time.Time
	take    func(ctx context.Context, records []T) error
	reading func(ctx context.Context, rest domain.Window) error
}

// read reads w page by page, taking each page before the next. A failure
// is returned as it is: the records taken stay taken, and the rest of the
// window from the last whole second read is recorded as the read went, so
// the next pull reads on from there instead of from the window's start (a
// window read again from its start at a partner failing a share of its
// calls may never be read whole).
//
// A partner answering a next page for ever would otherwise hold the
// partner's lock and the jobs' goroutine, every other partner's work with
// it, until a restart: a read follows at most maxWindowPages pages without
// moving on in time (empty pages that claim more, a partner listing newest
// first), and a page whose next is itself ends it at once.
func (r windowRead[T]) read(ctx context.Context, w domain.Window) error {
	read, page := w, ""
	for pages := 1; ; pages++ {
		if pages > maxWindowPages {
			return partnerPagesNeverEnd(fmt.Sprintf("the partner's pages did not end after %d of them", maxWindowPages))
		}
		records, next, err := r.list(ctx, read, page)
		if err != nil {
			return err
		}
		if err := r.take(ctx, records); err != nil {
			return err
		}
		if next == "" {
			return nil
		}
		if from, ok := readOnFrom(read.From, records, r.at); ok {
			rest := domain.Window{From: from, To: read.To}
			if err := r.reading(ctx, rest); err != nil {
				return err
			}
			read, page, pages = rest, "", 0 // moved on: the count starts again
			continue
		}
		if next == page {
			return partnerPagesNeverEnd("the partner's next page is the page it answered")
		}
		page = next
	}
}

// partnerPagesNeverEnd is a window's read given up on a partner's paging.
func partnerPagesNeverEnd(why string) error {
	return apperr.FailedPrecondition(why).WithReason("PARTNER_BAD_ANSWER")
}

// maxWindowPages bounds the pages one read of a window follows without
// moving on in time: 100,000 records at the partners' page of 100, beyond
// any round's catch-up (the records taken stay taken, and the next round
// reads on from them).
const maxWindowPages = 1000

// readOnFrom is where the window's next read starts instead of following
// the page token, and false when the token must be followed. A partner's
// page token is an offset into the window's records, and a record of an
// earlier page updated meanwhile leaves the window (its update is after
// the window's end), so every later record moves one place earlier and the
// page after the token skips one: in a catch-up window of hours, older
// than the next window's overlap, that record would never be read. So the
// window is read on from the whole second of the page's last record, from
// its first page again (the records of that second are read twice, and
// taken once). A page whose records all fall within the second the read
// starts in (more than a page of them), or that is not listed oldest
// first, leaves only the token.
func readOnFrom[T any](from time.Time, records []T, at func(T) time.Time) (time.Time, bool) {
	if len(records) == 0 || !slices.IsSortedFunc(records, func(a, b T) int { return at(a).Compare(at(b)) }) {
		return time.Time{}, false
	}
	next := at(records[len(records)-1]).Truncate(time.Second)
	return next, next.After(from)
}

// windowToRead is the window a pull reads: the rest of one a failed pull
// read part of, else the next from the watermark (false: none yet).
func (t *Trade) windowToRead(watermark time.Time, reading *domain.Window) (domain.Window, bool) {
	if reading != nil {
		return *reading, true
	}
	return t.timing.Pull.Window(watermark, t.clock())
}
