package restmarket

import (
	"fmt"
	"time"
)

// partnerZone is the partner's clock: like TOP, the protocol writes times
// as local wall clock in UTC+8 without a zone, so every time is converted
// here on the way out and back.
var partnerZone = time.FixedZone("UTC+8", 8*60*60)

// timeLayout is how the protocol writes a time, to the second.
const timeLayout = "2006-01-02 15:04:05"

// formatTime writes t as the partner's wall clock.
func formatTime(t time.Time) string { return t.In(partnerZone).Format(timeLayout) }

// parseTime reads the partner's wall clock into UTC.
func parseTime(s string) (time.Time, error) {
	t, err := time.ParseInLocation(timeLayout, s, partnerZone)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q is not %q in UTC+8", s, timeLayout)
	}
	return t.UTC(), nil
}

// windowBounds writes w for the protocol, which counts in whole seconds:
// From rounded down and To rounded up, so the partner's window covers w
// (an order near an edge may come in two adjacent windows, never in none).
func windowBounds(from, to time.Time) (string, string) {
	start := from.Truncate(time.Second)
	end := to.Truncate(time.Second)
	if end.Before(to) {
		end = end.Add(time.Second)
	}
	return formatTime(start), formatTime(end)
}
