package pbtime_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/crossdock/crossdock/pkg/pbtime"
)

func TestTime(t *testing.T) {
	if got := pbtime.Time(nil); !got.IsZero() {
		t.Errorf("unset: %v, want the zero time", got)
	}
	at := time.Date(2026, 12, 5, 8, 0, 0, 1000, time.UTC)
	if got := pbtime.Time(timestamppb.New(at)); !got.Equal(at) {
		t.Errorf("set: %v, want %v", got, at)
	}
}

func TestProto(t *testing.T) {
	if got := pbtime.Proto(time.Time{}); got != nil {
		t.Errorf("zero: %v, want unset", got)
	}
	if got := pbtime.ProtoOf(nil); got != nil {
		t.Errorf("nil: %v, want unset", got)
	}
	at := time.Date(2026, 12, 5, 8, 0, 0, 1000, time.UTC)
	if got := pbtime.Proto(at); !got.AsTime().Equal(at) {
		t.Errorf("set: %v, want %v", got, at)
	}
	if got := pbtime.ProtoOf(&at); !got.AsTime().Equal(at) {
		t.Errorf("set: %v, want %v", got, at)
	}
}
