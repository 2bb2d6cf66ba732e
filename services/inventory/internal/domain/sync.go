package domain

import (
	"strconv"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// MaxSyncLines bounds one ERP sync.
const MaxSyncLines = 1000

// SyncLine sets one SKU's on-hand level by the supplier's own SKU code.
type SyncLine struct {
	Code   string
	OnHand int64
}

// SyncStatus is the outcome of one sync line.
type SyncStatus string

// A line is applied, was already so, or rejected with a message.
const (
	SyncApplied   SyncStatus = "applied"
	SyncUnchanged SyncStatus = "unchanged"
	SyncRejected  SyncStatus = "rejected"
)

// SyncResult is what happened to one line.
type SyncResult struct {
	Code    string     `json:"code"`
	Status  SyncStatus `json:"status"`
	SKUID   string     `json:"sku_id,omitempty"`
	Message string     `json:"message,omitempty"`
}

// ErrSyncNeedsSupplierWarehouse is returned for a sync into a central
// warehouse: SKU codes are a supplier's own, so they name SKUs only within
// one supplier's warehouse.
var ErrSyncNeedsSupplierWarehouse = apperr.FailedPrecondition("stock sync applies to a supplier's own warehouse").
	WithReason("SYNC_NEEDS_SUPPLIER_WAREHOUSE")

// CheckSync validates a sync request ("sync_id", "lines[i].sku_code",
// "lines[i].on_hand"; a code once) and returns the lines with trimmed codes.
func CheckSync(syncID string, lines []SyncLine) (string, []SyncLine, error) {
	var v violations
	syncID = apperr.CheckText(&v, "sync_id", syncID, 1, 128)
	switch {
	case len(lines) == 0:
		v.Add("lines", "at least one line is required")
	case len(lines) > MaxSyncLines:
		v.Add("lines", "at most "+strconv.Itoa(MaxSyncLines)+" lines")
	}
	out := make([]SyncLine, len(lines))
	seen := map[string]bool{}
	for i, l := range lines {
		code := apperr.CheckText(&v, apperr.Index("lines", i, "sku_code"), l.Code, 1, 100)
		if code != "" && seen[code] {
			v.Add(apperr.Index("lines", i, "sku_code"), "appears on another line")
		}
		seen[code] = true
		switch {
		case l.OnHand < 0:
			v.Add(apperr.Index("lines", i, "on_hand"), "must not be negative")
		case l.OnHand > MaxQuantity:
			v.Add(apperr.Index("lines", i, "on_hand"), "must be at most "+strconv.FormatInt(MaxQuantity, 10))
		}
		out[i] = SyncLine{Code: code, OnHand: l.OnHand}
	}
	if err := v.Err(); err != nil {
		return "", nil, err
	}
	return syncID, out, nil
}

// How far a sync's counted_at may stray from the server's clock: ahead by
// CountAhead (clock skew), behind by CountAge (a count older than that has
// had too much move since for the journal's sum to be trusted with it).
const (
	CountAhead = 5 * time.Minute
	CountAge   = 24 * time.Hour
)

// CheckCountedAt checks when a sync's levels were counted ("counted_at");
// zero stands for now. The time is kept to the microsecond, as stored, so a
// count is compared with the last one at the precision that one was kept.
func CheckCountedAt(countedAt, now time.Time) (time.Time, error) {
	countedAt, now = countedAt.Truncate(time.Microsecond), now.Truncate(time.Microsecond)
	switch {
	case countedAt.IsZero():
		return now, nil
	case countedAt.After(now.Add(CountAhead)):
		return time.Time{}, apperr.InvalidField("counted_at", "is more than "+CountAhead.String()+" in the future")
	case countedAt.Before(now.Add(-CountAge)):
		return time.Time{}, apperr.InvalidField("counted_at", "is more than "+CountAge.String()+" ago")
	}
	return countedAt, nil
}

// CountedAfterLeaving reports whether a count stamped counted already did
// without goods that left at left (the carrier's pick-up, by another clock
// than the ERP's): stamped later by more than those clocks may disagree
// (CountAhead). A count within that margin may have been taken before the
// goods left, and they are taken off it: stock understated until the next
// count rather than the goods sold twice.
func CountedAfterLeaving(counted, left time.Time) bool { return !counted.Before(left.Add(CountAhead)) }

// CountedOnHand is what a count taken earlier stands for now: the count
// plus what moved on hand since it was taken (goods shipped, received,
// adjusted), never below zero.
func CountedOnHand(count, movedSince int64) int64 { return max(0, count+movedSince) }

// StaleCount is the message of a line whose stock was counted later than
// this sync's count already, or at the same time finding another level.
func StaleCount(countedAt, lastCount time.Time) string {
	if countedAt.Equal(lastCount) {
		return "counted at " + countedAt.UTC().Format(time.RFC3339Nano) + ", as this stock's last count, which found another level"
	}
	return "counted at " + countedAt.UTC().Format(time.RFC3339) + ", before this stock's last count at " + lastCount.UTC().Format(time.RFC3339)
}
