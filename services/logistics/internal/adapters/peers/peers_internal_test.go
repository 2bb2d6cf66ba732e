package peers

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// A peer that did not answer in time is out of service for the workers
// (Unavailable: they end their round), not one item's failure they would
// wait out again for every item behind it; its other answers pass as they
// are.
func TestAPeerTimingOutIsUnavailable(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want apperr.Kind
	}{
		{status.Error(codes.DeadlineExceeded, "context deadline exceeded"), apperr.KindUnavailable},
		{status.Error(codes.Unauthenticated, "token expired"), apperr.KindUnavailable},
		{status.Error(codes.Internal, "escrow row broken"), apperr.KindUnknown},
	} {
		if got := apperr.KindOf(peerError(tt.err)); got != tt.want {
			t.Errorf("%v: kind %v, want %v", tt.err, got, tt.want)
		}
	}
}
