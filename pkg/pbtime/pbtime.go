// Package pbtime reads optional protobuf timestamps.
package pbtime

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"
)

// Time is ts's time, or the zero time when ts is unset: AsTime would make
// an unset timestamp 1970-01-01, which reads as a real instant.
func Time(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return ts.AsTime()
}
