// Package pbtime converts optional times to and from protobuf timestamps:
// an unset timestamp is the zero time (or nil), never 1970-01-01.
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

// Proto is t as a timestamp, unset (nil) for the zero time.
func Proto(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

// ProtoOf is *t as a timestamp, unset (nil) for a nil t.
func ProtoOf(t *time.Time) *timestamppb.Timestamp {
	if t == nil {
		return nil
	}
	return timestamppb.New(*t)
}
